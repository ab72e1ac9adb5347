/** The patches this project ships (`patches/<name>.json`), shared by the patcher and the plugin's detection. */
export const PATCH_NAMES = ["step-finish", "messages-transform-input", "overflow-decision", "compaction-result"] as const;
export type PatchName = (typeof PATCH_NAMES)[number];

/** The global a patched opencode sets at start to the names of the patches it carries. */
export const PATCH_MARKER = "opencodeEndlessPatches";

/** The opencode release the shipped patches were written against. */
export const PATCHED_OPENCODE_VERSION = "1.18.33";
