import type { Database } from "bun:sqlite";
import { COMPRESSOR_VERSION, compress } from "../compress/index.ts";
import type { CallView, FrontierState, SessionStore } from "../context/engine.ts";
import { countTokens } from "../tokens/count.ts";
import { loadFrontier, saveFrontier } from "./frontier.ts";
import { findObservation, saveObservation } from "./observations.ts";
import { archiveToolCall, findToolCall } from "./tool-calls.ts";

/**
 * The plugin's SessionStore: frontier state and observations in the SQLite archive, with the frontier cached
 * in memory so a request between two batches costs no query.
 */
export function createArchiveStore(db: Database): SessionStore {
  const frontiers = new Map<string, FrontierState>();
  return {
    async load(sessionID) {
      const cached = frontiers.get(sessionID);
      if (cached) return cached;
      const state = loadFrontier(db, sessionID);
      frontiers.set(sessionID, state);
      return state;
    },
    async save(sessionID, state) {
      saveFrontier(db, sessionID, state);
      frontiers.set(sessionID, state);
    },
    async observe(sessionID, call: CallView) {
      const stored = findToolCall(db, sessionID, call.callID);
      if (stored) {
        const known = findObservation(db, stored.row, COMPRESSOR_VERSION);
        if (known !== undefined) return known;
      } else {
        // Never compress what is not archived: a call made before the plugin was on is archived now.
        archiveToolCall(db, { ...call, sessionID }, "keep");
      }
      const row = stored?.row ?? findToolCall(db, sessionID, call.callID)!.row;
      const observation = await compress({ ...call, output: stored?.output ?? call.output });
      saveObservation(db, row, observation, countTokens(observation.text));
      return observation.text;
    },
  };
}
