import { compress } from "../compress/index.ts";
import { emptyFrontier, type FrontierState, rememberObservations, type SessionStore } from "./engine.ts";

/** A SessionStore held in memory: for the replay benchmark and tests. Observations come from the real compressors. */
export function createMemoryStore(): SessionStore {
  const states = new Map<string, FrontierState>();
  return {
    async load(sessionID) {
      return states.get(sessionID) ?? emptyFrontier();
    },
    async save(sessionID, state) {
      states.set(sessionID, state);
    },
    observe: rememberObservations(async (_sessionID, call) => (await compress(call)).text),
  };
}
