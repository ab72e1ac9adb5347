import { compress } from "../compress/index.ts";
import { type CallView, emptyFrontier, type FrontierState, type SessionStore } from "./engine.ts";

/** A SessionStore held in memory: for the replay benchmark and tests. Observations come from the real compressors. */
export function createMemoryStore(): SessionStore {
  const states = new Map<string, FrontierState>();
  const observations = new Map<string, string>();
  return {
    async load(sessionID) {
      return states.get(sessionID) ?? emptyFrontier();
    },
    async save(sessionID, state) {
      states.set(sessionID, state);
    },
    async observe(sessionID, call: CallView) {
      const key = `${sessionID}\u0000${call.callID}`;
      const cached = observations.get(key);
      if (cached !== undefined) return cached;
      const text = (await compress(call)).text;
      observations.set(key, text);
      return text;
    },
  };
}
