import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { MIGRATIONS } from "./migrations.ts";

export class ArchiveError extends Error {
  override readonly name = "ArchiveError";
}

export function defaultArchivePath(env: Record<string, string | undefined> = process.env): string {
  const dataHome = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(dataHome, "opencode-endless", "archive.db");
}

/** Creates the file with mode 0600 before SQLite touches it: tool outputs can hold secrets. */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
}

function schemaVersion(db: Database): number {
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
}

/**
 * Applies the missing migrations under the write lock (BEGIN IMMEDIATE), reading the version again once
 * the lock is held: two opencode processes opening a fresh archive at once must not both migrate it.
 */
function migrate(db: Database, path: string): void {
  const version = schemaVersion(db);
  if (version > MIGRATIONS.length) {
    throw new ArchiveError(
      `archive ${path} has schema version ${version}, newer than this plugin knows (${MIGRATIONS.length}): upgrade opencode-endless or set archivePath to another file`,
    );
  }
  if (version === MIGRATIONS.length) return;
  db.transaction(() => {
    for (let next = schemaVersion(db); next < MIGRATIONS.length; next++) {
      db.run(MIGRATIONS[next]!);
      db.run(`PRAGMA user_version = ${next + 1}`);
    }
  }).immediate();
}

/**
 * Opens (creating if needed) the archive at `path`, or in memory for ":memory:". WAL lets opencode's
 * hooks write while `endless` commands read; the busy timeout rides out a concurrent writer.
 */
export function openArchive(path: string): Database {
  const inMemory = path === ":memory:";
  try {
    if (!inMemory) createPrivately(path);
    const db = new Database(path, { create: true, strict: true });
    db.run("PRAGMA busy_timeout = 5000");
    if (!inMemory) db.run("PRAGMA journal_mode = WAL");
    // Checkpoints run in the plugin's idle work: an automatic one (an fsync) could land inside a tool hook.
    db.run("PRAGMA wal_autocheckpoint = 0");
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
    migrate(db, path);
    return db;
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ArchiveError(
      `cannot open the archive ${path} (${reason}): if the file is damaged or not an archive, move it aside; or set the archivePath option to another file`,
    );
  }
}

/**
 * Opens an existing archive for reading only: no chmod, no journal change, no migration, so a CLI of
 * another version never upgrades an archive a running plugin still uses.
 */
export function openArchiveReadOnly(path: string): Database {
  let db: Database;
  let version: number;
  try {
    db = new Database(path, { readonly: true, strict: true });
    db.run("PRAGMA busy_timeout = 5000");
    // SQLite reads the header only now: a damaged file or one that is no database fails here.
    version = schemaVersion(db);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ArchiveError(
      `cannot read the archive ${path} (${reason}): check the path, or pass the archivePath the plugin uses; if the file is damaged, move it aside (the plugin starts a fresh one)`,
    );
  }
  if (version !== MIGRATIONS.length) {
    db.close();
    throw new ArchiveError(
      `archive ${path} has schema version ${version}, this command reads version ${MIGRATIONS.length}: use the opencode-endless version that wrote it`,
    );
  }
  return db;
}
