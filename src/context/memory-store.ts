import { compress } from "../compress/index.ts";
import type { ToolCall } from "../compress/types.ts";
import { countTokens } from "../tokens/count.ts";
import { emptyFrontier, type FrontierState, rememberObservations, type SessionStore } from "./engine.ts";

/**
 * A SessionStore held in memory: for the replay benchmark and tests. Observations come from the real
 * compressors; `llm` may offer an LLM observation for a call, used where it is smaller than the fast one.
 */
export function createMemoryStore(llm?: (call: ToolCall) => Promise<string | undefined>): SessionStore {
  const states = new Map<string, FrontierState>();
  const fast = rememberObservations(async (_sessionID, call) => (await compress(call)).text);
  return {
    async load(sessionID) {
      return states.get(sessionID) ?? emptyFrontier();
    },
    async save(sessionID, state) {
      states.set(sessionID, state);
    },
    ...rememberObservations(async (sessionID, call) => {
      const made = await fast.observe(sessionID, call);
      const better = await llm?.(call);
      return better !== undefined && countTokens(better) < countTokens(made) ? better : made;
    }),
    fastObservation: fast.observe,
  };
}
