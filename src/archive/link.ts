import type { Database } from "bun:sqlite";
import type { ArchiveLink } from "./access.ts";
import { statSync } from "node:fs";
import type { Logger } from "../log/logger.ts";
import type { Notice } from "../log/notice.ts";
import { moveQueue } from "./compression.ts";
import { moveFrontiers } from "./frontier.ts";
import { moveLedgers } from "./ledger.ts";
import { type ArchiveStart, openArchive, openOrRecoverArchive } from "./open.ts";
import { moveRequests } from "./requests.ts";
import { moveSteps } from "./steps.ts";
import { moveRecallBlocks } from "./recall-blocks.ts";
import { moveToolCalls } from "./tool-calls.ts";

/** Errors of the disk or of the lock, which a later try can outlive; anything else is a bug and is thrown. */
export function isArchiveFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string") return false;
  return (
    /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|CORRUPT|NOTADB|PERM|PROTOCOL)/.test(code) ||
    ["ENOENT", "EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EIO"].includes(code)
  );
}

/** How long a hook waits on another process's write lock before it writes to memory instead. */
export const HOOK_BUSY_TIMEOUT_MS = 1000;
/** A retry of an out file waits this long on a lock at most: the retry runs inside a hook. */
const RETRY_BUSY_TIMEOUT_MS = 50;
const DEFAULT_RETRY_MS = 2000;

/** Which file the path names now: a deleted and recreated folder gives a new one. An in-memory archive is always itself. */
const identity = (path: string) => {
  if (path === ":memory:") return path;
  const info = statSync(path);
  return `${info.dev}:${info.ino}`;
};

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * What moves from the memory archive into the file when it takes writes again, in this order (the calls
 * first: the queue and the observations are tied to their rows), with the tables each move empties after.
 */
const MOVES: readonly { move: (from: Database, to: Database) => void; tables: readonly string[] }[] = [
  { move: moveToolCalls, tables: ["tool_calls"] },
  { move: moveFrontiers, tables: ["renders", "frontiers"] },
  { move: moveLedgers, tables: ["ledgers", "folds"] },
  { move: moveSteps, tables: ["steps"] },
  { move: moveRequests, tables: ["requests"] },
  { move: moveQueue, tables: ["compression_jobs", "compression_spend", "compression_swaps"] },
  { move: moveRecallBlocks, tables: ["recall_blocks"] },
];

export interface LinkOptions {
  path: string;
  /** How the file came up at start (`openOrRecoverArchive`); "newer" keeps the link in memory for good. */
  start: ArchiveStart;
  notice: Notice;
  log: Logger;
  retryMs?: number;
  now?: () => number;
}

export function createArchiveLink(options: LinkOptions): ArchiveLink {
  const now = options.now ?? Date.now;
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const memory = openArchive(":memory:");
  const resumers: ((db: Database, recreated: boolean) => void)[] = [];
  let file: Database | undefined = options.start.kind === "opened" ? options.start.db : undefined;
  let fileId = file ? identity(options.path) : undefined;
  // A newer schema is never written: the link stays in memory until the plugin is upgraded.
  const permanent = options.start.kind === "newer";
  let down = file === undefined;
  let lastTry = now();
  if (options.start.kind !== "opened") {
    const upgrade = options.start.kind === "newer";
    options.notice(
      upgrade ? "archive-newer" : "archive-fault",
      "warn",
      upgrade
        ? `${options.start.reason}. Endless runs without its archive for now (compression goes on; recall covers this run only)`
        : `archive unavailable, outputs are kept in memory and moved into the archive once it opens: ${options.start.reason}`,
    );
  }

  const fault = (error: unknown) => {
    down = true;
    lastTry = now();
    options.notice(
      "archive-fault",
      "warn",
      `archive ${options.path} refused a write (${describe(error)}): compression goes on, new outputs are kept in memory (recall still finds them) and moved into the archive once it takes writes again`,
    );
  };

  /** Everything the memory archive holds, written into the file in one transaction, then cleared from memory. */
  const drainInto = (db: Database) => {
    const calls = memory.query<{ n: number }, []>("SELECT count(*) AS n FROM tool_calls").get()?.n ?? 0;
    db.transaction(() => {
      for (const { move } of MOVES) move(memory, db);
    })();
    memory.transaction(() => {
      for (const { tables } of MOVES) for (const table of tables) memory.run(`DELETE FROM ${table}`);
    })();
    return calls;
  };

  /** Tries the file again: reopens it when it vanished or never opened, then moves memory's rows into it. */
  const tryResume = () => {
    lastTry = now();
    let recreated = false;
    try {
      const vanished = file !== undefined && (() => {
        try {
          return identity(options.path) !== fileId;
        } catch {
          return true;
        }
      })();
      if (file === undefined || vanished) {
        file?.close();
        file = undefined;
        const start = openOrRecoverArchive(options.path, { busyTimeoutMs: HOOK_BUSY_TIMEOUT_MS });
        if (start.kind !== "opened") throw Object.assign(new Error(start.reason), { code: "SQLITE_CANTOPEN" });
        file = start.db;
        fileId = identity(options.path);
        recreated = vanished || start.movedAside !== undefined;
      }
      file.run(`PRAGMA busy_timeout = ${RETRY_BUSY_TIMEOUT_MS}`);
      const moved = drainInto(file);
      down = false;
      for (const resume of resumers) resume(file, recreated);
      options.log("info", `archive ${options.path} takes writes again${recreated ? " (a new file)" : ""}; ${moved} outputs kept in memory moved into it`);
    } catch (error) {
      if (!isArchiveFault(error)) throw error;
    } finally {
      file?.run(`PRAGMA busy_timeout = ${HOOK_BUSY_TIMEOUT_MS}`);
    }
  };

  /** The file when it is there; a vanished file (its folder deleted) counts as out, since writes to it are lost. */
  const available = (): Database | undefined => {
    if (permanent) return undefined;
    if (down) {
      if (now() - lastTry >= retryMs) tryResume();
      return down ? undefined : file;
    }
    try {
      if (identity(options.path) === fileId) return file;
    } catch {
      // Gone: handled below.
    }
    fault(Object.assign(new Error(`the file ${options.path} vanished`), { code: "ENOENT" }));
    tryResume();
    return down ? undefined : file;
  };

  return {
    path: options.path,
    write(work) {
      const db = available();
      if (db) {
        try {
          return work(db);
        } catch (error) {
          if (!isArchiveFault(error)) throw error;
          fault(error);
        }
      }
      return work(memory);
    },
    read(work) {
      // A full or read-only file still reads: only a vanished or never-opened one (file undefined) does not.
      const db = available() ?? (permanent ? undefined : file);
      if (db) {
        try {
          const found = work(db);
          if (found !== undefined) return found;
        } catch (error) {
          if (!isArchiveFault(error)) throw error;
        }
      }
      return work(memory);
    },
    readEach<T>(work: (db: Database) => T) {
      const db = available() ?? (permanent ? undefined : file);
      const answers: T[] = [];
      if (db) {
        try {
          answers.push(work(db));
        } catch (error) {
          if (!isArchiveFault(error)) throw error;
        }
      }
      return [...answers, work(memory)];
    },
    where: () => (down || permanent ? "memory" : "file"),
    onResume: (callback) => void resumers.push(callback),
    close() {
      file?.close();
      memory.close();
    },
  };
}
