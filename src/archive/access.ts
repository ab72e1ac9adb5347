import { Database } from "bun:sqlite";

/**
 * The plugin's way to the archive file, which can fail under it mid-session: a full disk, a read-only
 * mount, a deleted folder, another process holding the write lock. A write the file refuses goes to an
 * in-memory archive instead (same schema, so recall, search and the frontier keep working); the fault is
 * said once; every `retryMs` a later call tries the file again and, once it takes writes, moves what memory
 * held into it (`MOVES`: every table the plugin writes while it runs). Nothing is half-written: every write is one statement or one transaction, rolled back whole
 * by SQLite when it fails.
 */
export interface ArchiveLink {
  readonly path: string;
  /** Runs `work` on the file, or on the memory archive while the file is out. A fault never escapes. */
  write<T>(work: (db: Database) => T): T;
  /** Runs `work` on the file, and on the memory archive too when the file is out or has no answer. */
  read<T>(work: (db: Database) => T | undefined): T | undefined;
  /** `work`'s answers from the file (when it reads) and from the memory archive. */
  readEach<T>(work: (db: Database) => T): T[];
  /** "file": writes land in the archive file; "memory": in memory until the file takes them back. */
  where(): "file" | "memory";
  /** Called with the file whenever it takes writes again after a fault (the file may be a new one). */
  onResume(callback: (db: Database, recreated: boolean) => void): void;
  close(): void;
}

/** Where archive work runs: one database (tests, commands), or the plugin's link (made in `link.ts`). */
export type ArchiveAccess = Database | ArchiveLink;

export const writeOn = <T>(access: ArchiveAccess, work: (db: Database) => T): T =>
  access instanceof Database ? work(access) : access.write(work);

export const readOn = <T>(access: ArchiveAccess, work: (db: Database) => T | undefined): T | undefined =>
  access instanceof Database ? work(access) : access.read(work);

export const readEachOn = <T>(access: ArchiveAccess, work: (db: Database) => T): T[] =>
  access instanceof Database ? [work(access)] : access.readEach(work);
