import type { CompactionOptions } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";

/**
 * `experimental.session.overflow` (overflow-decision patch): `veto` keeps opencode from compacting on
 * overflow; `opencode` leaves its decision as it is.
 */
export function createOverflowHook(deps: { options: CompactionOptions; log: Logger }) {
  const told = new Set<string>();
  return async (input: { sessionID: string }, output: { overflow: boolean }): Promise<void> => {
    if (deps.options.overflow !== "veto" || !output.overflow) return;
    output.overflow = false;
    // Said once per session: the decision repeats after every step above the limit.
    if (told.has(input.sessionID)) return;
    told.add(input.sessionID);
    deps.log("info", `session ${input.sessionID}: vetoed opencode's automatic compaction (compaction.overflow = "veto")`);
  };
}
