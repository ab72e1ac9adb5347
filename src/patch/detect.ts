import { closeSync, openSync, readSync } from "node:fs";
import { PATCH_MARKER, PATCH_NAMES, type PatchName } from "./names.ts";

/**
 * The patches the running opencode carries, from the marker a patched executable sets at start
 * (`globalThis.opencodeEndlessPatches`); empty on stock opencode. Plugins run in opencode's own
 * process, so they see the same global.
 */
export function activePatches(scope: object = globalThis): PatchName[] {
  const marker: unknown = (scope as Record<string, unknown>)[PATCH_MARKER];
  if (!Array.isArray(marker)) return [];
  return PATCH_NAMES.filter((name) => marker.includes(name));
}

/** The start-up log line: which patches are active, and what the plugin does without the others. */
export function describePatches(active: readonly PatchName[]): string {
  if (active.length === 0) return "stock opencode: no opencode-endless patches active (`endless patch-opencode` writes a patched binary)";
  const missing = PATCH_NAMES.filter((name) => !active.includes(name));
  return `opencode patches active: ${active.join(", ")}${missing.length > 0 ? `; not active: ${missing.join(", ")}` : ""}`;
}

const CHUNK = 8 * 1024 * 1024;

/** Offset of the first occurrence of `needle` in the file, read in chunks that overlap by the needle's length. */
function findInFile(fd: number, needle: Buffer): number | undefined {
  const buffer = Buffer.alloc(CHUNK + needle.length);
  let carried = 0;
  let position = 0;
  for (;;) {
    const read = readSync(fd, buffer, carried, CHUNK, position);
    if (read === 0) return undefined;
    const filled = carried + read;
    const at = buffer.subarray(0, filled).indexOf(needle);
    if (at >= 0) return position - carried + at;
    position += read;
    carried = Math.min(needle.length - 1, filled);
    buffer.copy(buffer, 0, filled - carried, filled);
  }
}

/**
 * The patches an opencode executable on disk carries, read from the statement the patcher writes into it
 * (`globalThis.opencodeEndlessPatches=Object.freeze([...])`); empty for a stock binary. The binary is
 * ~185 MB, so it is read in chunks.
 */
export function patchesInBinary(path: string): PatchName[] {
  const needle = Buffer.from(`${PATCH_MARKER}=Object.freeze(`);
  const fd = openSync(path, "r");
  try {
    const at = findInFile(fd, needle);
    if (at === undefined) return [];
    const tail = Buffer.alloc(512);
    const read = readSync(fd, tail, 0, tail.length, at + needle.length);
    const text = tail.subarray(0, read).toString("utf8");
    let listed: unknown;
    try {
      listed = JSON.parse(text.slice(0, text.indexOf("]") + 1));
    } catch {
      listed = [];
    }
    return Array.isArray(listed) ? PATCH_NAMES.filter((name) => listed.includes(name)) : [];
  } finally {
    closeSync(fd);
  }
}
