import type { Database } from "bun:sqlite";
import { COMPRESSOR_VERSION, compress } from "../compress/index.ts";
import { type CallView, type FrontierState, rememberObservations, type SessionStore } from "../context/engine.ts";
import { countTokens } from "../tokens/count.ts";
import { llmObservations, recordSwap, type Swap } from "./compression.ts";
import { loadFrontier, saveFrontier } from "./frontier.ts";
import { findObservation, saveObservation } from "./observations.ts";
import { archiveToolCall, findToolCall } from "./tool-calls.ts";

/** The plugin's store, plus what the background compression worker needs from it. */
export interface ArchiveStore extends SessionStore {
  /** The fast compressors' observation of a call (made and archived when missing). */
  fastObservation(sessionID: string, call: CallView): Promise<string>;
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
export function createArchiveStore(db: Database, options: { llmVersion?: number } = {}): ArchiveStore {
  const frontiers = new Map<string, FrontierState>();
  const fast = rememberObservations((sessionID, call) => observeArchived(db, sessionID, call));
  const llm = new Map<string, Map<string, string>>();
  const llmOf = (sessionID: string): Map<string, string> => {
    let known = llm.get(sessionID);
    if (known === undefined) {
      known = options.llmVersion === undefined ? new Map() : llmObservations(db, sessionID, options.llmVersion);
      llm.set(sessionID, known);
    }
    return known;
  };
  return {
    async load(sessionID) {
      const cached = frontiers.get(sessionID);
      if (cached) return cached;
      const state = loadFrontier(db, sessionID);
      frontiers.set(sessionID, state);
      return state;
    },
    async save(sessionID, state) {
      const before = frontiers.get(sessionID) ?? loadFrontier(db, sessionID);
      saveFrontier(db, sessionID, state);
      frontiers.set(sessionID, state);
      const swap = swapOf(before, state, llmOf(sessionID));
      if (swap !== undefined) recordSwap(db, sessionID, swap);
    },
    observe: async (sessionID, call) => llmOf(sessionID).get(call.callID) ?? fast(sessionID, call),
    fastObservation: fast,
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
