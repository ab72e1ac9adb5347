import { Database } from "bun:sqlite";
import { type ArchiveAccess, readOn, writeOn } from "./link.ts";
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
export function createArchiveStore(access: ArchiveAccess): SessionStore {
  const frontiers = new Map<string, FrontierState>();
  // A file recreated under the link (its folder was deleted) gets every frontier of this process back.
  if (!(access instanceof Database)) {
    access.onResume((db, recreated) => {
      if (recreated) for (const [sessionID, state] of frontiers) saveFrontier(db, sessionID, state);
    });
  }
  return {
    async load(sessionID) {
      const cached = frontiers.get(sessionID);
      if (cached) return cached;
      const state = readOn(access, (db) => loadFrontier(db, sessionID))!;
      frontiers.set(sessionID, state);
      return state;
    },
    async save(sessionID, state) {
      writeOn(access, (db) => saveFrontier(db, sessionID, state));
      frontiers.set(sessionID, state);
    },
    observe: rememberObservations((sessionID, call) => observeArchived(access, sessionID, call)),
  };
}

/** The call's observation from the archive, made (and archived, with the call if need be) when missing. */
async function observeArchived(access: ArchiveAccess, sessionID: string, call: CallView): Promise<string> {
  const stored = readOn(access, (db) => findToolCall(db, sessionID, call.callID));
  if (stored) {
    const known = readOn(access, (db) => findObservation(db, stored.row, COMPRESSOR_VERSION));
    if (known !== undefined) return known;
  }
  const observation = await compress({ ...call, output: stored?.output ?? call.output });
  // One write: the call (when it was not archived: made before the plugin was on) and its observation
  // together, so a fault leaves neither, in whichever archive (file or memory) took the write.
  writeOn(access, (db) =>
    db.transaction(() => {
      // Never compress what is not archived: a call made before the plugin was on is archived now.
      archiveToolCall(db, { ...call, sessionID }, "keep");
      saveObservation(db, findToolCall(db, sessionID, call.callID)!.row, observation, countTokens(observation.text));
    })(),
  );
  return observation.text;
}
