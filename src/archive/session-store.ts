import { Database } from "bun:sqlite";
import { type ArchiveAccess, readOn, writeOn } from "./access.ts";
import { COMPRESSOR_VERSION, compress } from "../compress/index.ts";
import { type CallView, type FrontierState, rememberObservations, type SessionStore } from "../context/engine.ts";
import { countTokens, rememberedCount } from "../tokens/count.ts";
import { llmObservations, recordSwap, type Swap } from "./compression.ts";
import { loadFrontier, saveFrontier } from "./frontier.ts";
import { findObservation, saveObservation } from "./observations.ts";
import { archiveToolCall, findToolCall } from "./tool-calls.ts";

/** The plugin's store, plus what the background compression worker needs from it. */
export interface ArchiveStore extends SessionStore {
  /** An LLM observation was archived: batches from now on send the call as it. */
  offerObservation(sessionID: string, callID: string, text: string): void;
}

/**
 * The plugin's SessionStore: frontier state and observations in the SQLite archive, both also kept in
 * memory: a request between two batches costs no query, and a batch late in a long session does not
 * read every compressed call's whole output again (observations are fixed per compressor version).
 *
 * With `llmVersion` (a compression model is configured), a call's best observation is its LLM one when the
 * archive holds one for that prompt version. Renders are frozen between batches, so an LLM observation
 * reaches a request only when the frontier next moves: the batch renders every compressed call anew.
 */
export function createArchiveStore(access: ArchiveAccess, options: { llmVersion?: number } = {}): ArchiveStore {
  const frontiers = new Map<string, FrontierState>();
  // A file recreated under the link (its folder was deleted) gets every frontier of this process back.
  if (!(access instanceof Database)) {
    access.onResume((db, recreated) => {
      if (recreated) for (const [sessionID, state] of frontiers) saveFrontier(db, sessionID, state);
    });
  }
  const fast = rememberObservations((sessionID, call) => observeArchived(access, sessionID, call));
  const llm = new Map<string, Map<string, string>>();
  const llmOf = (sessionID: string): Map<string, string> => {
    let known = llm.get(sessionID);
    if (known === undefined) {
      const version = options.llmVersion;
      known = version === undefined ? new Map() : (readOn(access, (db) => llmObservations(db, sessionID, version)) ?? new Map());
      llm.set(sessionID, known);
    }
    return known;
  };
  return {
    async load(sessionID) {
      const cached = frontiers.get(sessionID);
      if (cached) return cached;
      const state = readOn(access, (db) => loadFrontier(db, sessionID))!;
      frontiers.set(sessionID, state);
      return state;
    },
    async save(sessionID, state) {
      const before = frontiers.get(sessionID) ?? readOn(access, (db) => loadFrontier(db, sessionID))!;
      // Writes that missed the file went to the link's memory archive, which moves them into the file when
      // it is back (a new file gets every frontier whole): the archive holds `before`, so only changes go.
      writeOn(access, (db) => saveFrontier(db, sessionID, state, before));
      frontiers.set(sessionID, state);
      const swap = swapOf(before, state, llmOf(sessionID));
      if (swap !== undefined) writeOn(access, (db) => recordSwap(db, sessionID, swap));
    },
    observe: async (sessionID, call) => llmOf(sessionID).get(call.callID) ?? fast.observe(sessionID, call),
    known: (sessionID, callID) => llmOf(sessionID).get(callID) ?? fast.known(sessionID, callID),
    fastObservation: fast.observe,
    offerObservation(sessionID, callID, text) {
      llmOf(sessionID).set(callID, text);
    },
  };
}

/**
 * What a batch's LLM swaps cost and save: calls sent before as a fast render and now as their LLM
 * observation. The cache is written again from the first swapped call on; the batch would have rewritten
 * it from its first new call anyway, so the renders in between are what the swap adds (a lower bound:
 * assistant text and inputs between them are not counted). Renders are kept in the order calls were
 * first compressed, oldest first.
 */
function swapOf(before: FrontierState, after: FrontierState, llm: ReadonlyMap<string, string>): Swap | undefined {
  // No LLM observation, no swap: a batch late in a long session need not look at every render for one.
  if (llm.size === 0) return undefined;
  const ids = [...after.renders.keys()];
  const swapped = ids.filter((id) => {
    const old = before.renders.get(id);
    return old !== undefined && old !== after.renders.get(id) && llm.get(id) === after.renders.get(id);
  });
  if (swapped.length === 0) return undefined;
  const firstSwap = ids.indexOf(swapped[0]!);
  const firstNew = ids.findIndex((id) => !before.renders.has(id));
  const rewritten = ids.slice(firstSwap, firstNew < 0 ? ids.length : firstNew);
  return {
    batch: after.batch,
    calls: swapped.length,
    savedTokens: swapped.reduce((sum, id) => sum + countTokens(before.renders.get(id)!) - countTokens(after.renders.get(id)!), 0),
    cacheWriteTokens: rewritten.reduce((sum, id) => sum + countTokens(after.renders.get(id)!), 0),
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
      saveObservation(db, findToolCall(db, sessionID, call.callID)!.row, observation, rememberedCount(observation.text));
    })(),
  );
  return observation.text;
}
