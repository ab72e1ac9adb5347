import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { ArchiveError } from "../archive/open.ts";
/** Where a command writes: stdout for results, stderr for progress and problems. Tests pass their own. */
export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
};

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
