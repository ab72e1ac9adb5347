import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { ArchiveError } from "../archive/open.ts";
import { OpencodeStorageError, openOpencodeDb } from "../replay/importers/opencode-db.ts";
/** Where a command writes: stdout for results, stderr for progress and problems. Tests pass their own. */
export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Rewrites the current stderr line (a progress bar on a terminal); without it progress goes through `err`. */
  readonly status?: (text: string) => void;
}

export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  ...(process.stderr.isTTY ? { status: (text: string) => process.stderr.write(`\r\x1b[2K${text}`) } : {}),
};

const BAR_WIDTH = 24;

/**
 * A progress bar on stderr: redrawn in place on a terminal, one line per step otherwise (logs, pipes,
 * tests), so progress never mixes with the results on stdout.
 */
export function progressBar(io: CommandIO, total: number, unit: string): { tick(label: string): void; done(): void } {
  let count = 0;
  return {
    tick(label) {
      count = Math.min(total, count + 1);
      const filled = total === 0 ? BAR_WIDTH : Math.round((count / total) * BAR_WIDTH);
      const line = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${count}/${total} ${unit} ${label}`;
      if (io.status) io.status(line);
      else io.err(line);
    },
    done() {
      if (io.status && total > 0) io.err("");
    },
  };
}

/** A problem with how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface Command {
  readonly summary: string;
  readonly usage: string;
  /** Returns the exit code. */
  run(args: readonly string[], io: CommandIO): Promise<number>;
}

/**
 * Opens an archive a command names (it must exist: a command never creates one), turning archive
 * problems into usage errors that say what to do.
 */
export function openExistingArchive(path: string, open: (path: string) => Database): Database {
  if (!existsSync(path)) throw new UsageError(`no archive at ${path}: the plugin creates it at the first tool call; pass --archive if you set archivePath`);
  try {
    return open(path);
  } catch (error) {
    if (error instanceof ArchiveError) throw new UsageError(error.message);
    throw error;
  }
}

/** Opens opencode's storage read-only, turning its problems into usage errors that say what to do. */
export function openOpencodeStorage(path: string): Database {
  try {
    return openOpencodeDb(path);
  } catch (error) {
    if (error instanceof OpencodeStorageError) throw new UsageError(error.message);
    throw error;
  }
}
