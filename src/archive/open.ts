import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { MIGRATIONS } from "./migrations.ts";

export class ArchiveError extends Error {
  override readonly name: string = "ArchiveError";
}

/** The file is not an archive this code can use as is (not SQLite, corrupt, another program's schema): safe to move aside. */
export class DamagedArchiveError extends ArchiveError {
  override readonly name = "DamagedArchiveError";
}

/** Written by a newer opencode-endless: never moved nor changed, since that version still needs it. */
export class NewerArchiveError extends ArchiveError {
  override readonly name = "NewerArchiveError";
}

export function defaultArchivePath(env: Record<string, string | undefined> = process.env): string {
  const dataHome = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(dataHome, "opencode-endless", "archive.db");
}

/**
 * Creates the file with mode 0600 before SQLite touches it (tool outputs can hold secrets); SQLite gives its
 * WAL and SHM files the database file's mode. A folder this creates is 0700; an existing one is left as it is
 * (archivePath may point into a folder of the user's).
 */
function createPrivately(path: string): void {
  const created = mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (created !== undefined) chmodSync(dirname(path), 0o700);
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
}

function schemaVersion(db: Database): number {
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
}

type SchemaObject = { type: string; name: string };
const objectsOf = (db: Database) =>
  db.query<SchemaObject, []>("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").all();
const columnsOf = (db: Database, table: string) =>
  db.query<{ name: string }, [string]>("SELECT name FROM pragma_table_info(?)").all(table).map((c) => c.name);

/** What every migrated archive holds: each table, index and trigger, with each table's columns. */
const expectedSchema = (() => {
  let schema: Map<string, string[]> | undefined;
  return () => {
    if (schema) return schema;
    const db = new Database(":memory:");
    for (const migration of MIGRATIONS) db.run(migration);
    schema = new Map(objectsOf(db).map((o) => [`${o.type} ${o.name}`, o.type === "table" ? columnsOf(db, o.name) : []]));
    db.close();
    return schema;
  };
})();

/** A file at a known version whose tables do not match it (another program's database, a hand-edited one). */
function schemaMismatch(db: Database): string | undefined {
  const present = new Map(objectsOf(db).map((o) => [`${o.type} ${o.name}`, o]));
  for (const [key, columns] of expectedSchema()) {
    if (!present.has(key)) return `${key} is missing`;
    const have = new Set(columnsOf(db, present.get(key)!.name));
    const lacking = columns.find((c) => !have.has(c));
    if (lacking !== undefined) return `${key} lacks column ${lacking}`;
  }
  return undefined;
}

/** Above this size the full page check would slow every opencode start; damage there surfaces at the first write. */
const QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Refuses, before anything is written (so a file moved aside keeps its bytes), a file that is not an archive
 * of a version this code can migrate: a newer version, another program's tables, our version number over
 * the wrong tables, or pages that fail SQLite's check.
 */
function checkBeforeWriting(db: Database, path: string): void {
  const version = schemaVersion(db);
  if (version > MIGRATIONS.length) {
    throw new NewerArchiveError(
      `archive ${path} has schema version ${version}, newer than this plugin knows (${MIGRATIONS.length}): upgrade opencode-endless or set archivePath to another file`,
    );
  }
  // Version 0 with tables in it is some other program's database: migrating would mix ours into it.
  if (version === 0 && objectsOf(db).length > 0) throw new DamagedArchiveError(`${path} holds another schema (version 0 with tables)`);
  const mismatch = version === MIGRATIONS.length ? schemaMismatch(db) : undefined;
  if (mismatch !== undefined) throw new DamagedArchiveError(`${path} does not have the archive's schema (${mismatch})`);
  if (path !== ":memory:" && statSync(path).size <= QUICK_CHECK_MAX_BYTES) {
    const check = db.query<{ quick_check: string }, []>("PRAGMA quick_check(1)").get()?.quick_check;
    if (check !== "ok") throw new DamagedArchiveError(`${path} fails SQLite's page check (${check})`);
  }
}

/**
 * Applies the missing migrations under the write lock (BEGIN IMMEDIATE), reading the version again once
 * the lock is held: two opencode processes opening a fresh archive at once must not both migrate it.
 */
function migrate(db: Database, path: string): void {
  if (schemaVersion(db) < MIGRATIONS.length) {
    db.transaction(() => {
      for (let next = schemaVersion(db); next < MIGRATIONS.length; next++) {
        db.run(MIGRATIONS[next]!);
        db.run(`PRAGMA user_version = ${next + 1}`);
      }
    }).immediate();
  }
  const mismatch = schemaMismatch(db);
  if (mismatch !== undefined) throw new DamagedArchiveError(`${path} does not have the archive's schema (${mismatch})`);
}

/** SQLite's word that the bytes are not a usable database (as opposed to a busy, full or read-only one). */
function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB");
}

/**
 * Runs `work` again while SQLite answers SQLITE_BUSY, for at most `timeoutMs`. While several processes open
 * the same fresh archive at the same moment, one switching it to WAL, SQLite can answer busy at once
 * instead of calling the busy handler (seen once in 492 tests on a machine loaded 5x over its cores).
 */
function untilNotBusy(timeoutMs: number, work: () => void): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return work();
    } catch (error) {
      const code = (error as { code?: unknown } | undefined)?.code;
      if (typeof code !== "string" || !code.startsWith("SQLITE_BUSY") || Date.now() >= deadline) throw error;
      Bun.sleepSync(5);
    }
  }
}

/**
 * Opens (creating if needed) the archive at `path`, or in memory for ":memory:". WAL lets opencode's
 * hooks write while `endless` commands read; the busy timeout rides out a concurrent writer.
 */
export function openArchive(path: string, options: { busyTimeoutMs?: number } = {}): Database {
  const inMemory = path === ":memory:";
  let db: Database | undefined;
  try {
    if (!inMemory) createPrivately(path);
    db = new Database(path, { create: true, strict: true });
    db.run(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // One read transaction: a snapshot, so a process migrating the same fresh file meanwhile is seen whole or not at all.
    const busyMs = options.busyTimeoutMs ?? 5000;
    untilNotBusy(busyMs, () => db!.transaction(() => checkBeforeWriting(db!, path))());
    if (!inMemory) untilNotBusy(busyMs, () => db!.run("PRAGMA journal_mode = WAL"));
    // Checkpoints run in the plugin's idle work: an automatic one (an fsync) could land inside a tool hook.
    db.run("PRAGMA wal_autocheckpoint = 0");
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
    migrate(db, path);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof ArchiveError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    const message = `cannot open the archive ${path} (${reason}): if the file is damaged or not an archive, move it aside; or set the archivePath option to another file`;
    throw isDamage(error) ? new DamagedArchiveError(message) : new ArchiveError(message);
  }
}

/** How the archive came up at start. */
export type ArchiveStart =
  | { readonly kind: "opened"; readonly db: Database; readonly movedAside?: string }
  | { readonly kind: "newer" | "unavailable"; readonly reason: string };

/** `archive.db` -> `archive.db.damaged-20261201T083512Z` (with -wal and -shm beside it). */
export function movedAsidePath(path: string, now: Date): string {
  return `${path}.damaged-${now.toISOString().replace(/[-:]|\.\d+/g, "")}`;
}

/**
 * Opens the archive, and when the file is damaged or not an archive, moves it aside (its WAL and SHM files
 * with it, so the pair can still be examined) and starts a fresh one at `path`. A newer schema is never
 * moved: the caller runs without the archive. Any other failure (permissions, a full disk) is reported as
 * unavailable, with the file left in place.
 */
export function openOrRecoverArchive(path: string, options: { now?: Date; busyTimeoutMs?: number } = {}): ArchiveStart {
  try {
    return { kind: "opened", db: openArchive(path, options) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof NewerArchiveError) return { kind: "newer", reason };
    if (!(error instanceof DamagedArchiveError)) return { kind: "unavailable", reason };
  }
  const stamped = movedAsidePath(path, options.now ?? new Date());
  // Never over an earlier moved-aside file of the same second.
  const aside = existsSync(stamped) ? `${stamped}-${process.pid}` : stamped;
  try {
    for (const suffix of ["", "-wal", "-shm"]) {
      if (!existsSync(path + suffix)) continue;
      renameSync(path + suffix, aside + suffix);
      chmodSync(aside + suffix, 0o600);
    }
    return { kind: "opened", db: openArchive(path, options), movedAside: aside };
  } catch (error) {
    return { kind: "unavailable", reason: `moving the damaged archive ${path} aside to ${aside} failed: ${error instanceof Error ? error.message : String(error)}` };
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
