import type { Database } from "bun:sqlite";
import { COMPRESSOR_VERSION, compress } from "../compress/index.ts";
import { type CallView, type FrontierState, rememberObservations, type SessionStore } from "../context/engine.ts";
import { countTokens } from "../tokens/count.ts";
import { loadFrontier, saveFrontier } from "./frontier.ts";
import { findObservation, saveObservation } from "./observations.ts";
import { archiveToolCall, findToolCall } from "./tool-calls.ts";

/**
 * The plugin's SessionStore: frontier state and observations in the SQLite archive, both also kept in
 * memory: a request between two batches costs no query, and a batch late in a long session does not
 * read every compressed call's whole output again (observations are fixed per compressor version).
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
    observe: rememberObservations((sessionID, call) => observeArchived(db, sessionID, call)),
  };
}

/** The call's observation from the archive, made (and archived, with the call if need be) when missing. */
async function observeArchived(db: Database, sessionID: string, call: CallView): Promise<string> {
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
}
