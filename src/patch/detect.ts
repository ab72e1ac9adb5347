import { closeSync, openSync, readSync } from "node:fs";

/**
 * The global a patched opencode sets at start to the names of the patches it carries, and the string
 * that marks a patched executable on disk. Shared with the patcher (issue 9), which owns the names.
 */
export const PATCH_MARKER = "opencodeEndlessPatches";

/**
 * The patches the running opencode carries, from the marker a patched executable sets at start; empty on
 * stock opencode. Plugins run in opencode's own process, so they see the same global.
 */
export function activePatches(scope: object = globalThis): string[] {
  const marker: unknown = (scope as Record<string, unknown>)[PATCH_MARKER];
  return Array.isArray(marker) ? marker.filter((name): name is string => typeof name === "string") : [];
}

const CHUNK = 8 * 1024 * 1024;

/**
 * Whether an opencode executable on disk is patched: it holds the patch marker. Read in chunks (the
 * binary is ~185 MB), with an overlap so a marker across two chunks is still found.
 */
export function isPatchedBinary(path: string, marker: string = PATCH_MARKER): boolean {
  const needle = Buffer.from(marker);
  const buffer = Buffer.alloc(CHUNK + needle.length);
  const fd = openSync(path, "r");
  try {
    let carried = 0;
    let position = 0;
    for (;;) {
      const read = readSync(fd, buffer, carried, CHUNK, position);
      if (read === 0) return false;
      const filled = carried + read;
      if (buffer.subarray(0, filled).includes(needle)) return true;
      position += read;
      carried = Math.min(needle.length - 1, filled);
      buffer.copy(buffer, 0, filled - carried, filled);
    }
  } finally {
    closeSync(fd);
  }
}
