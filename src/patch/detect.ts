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
