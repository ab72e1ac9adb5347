import { Database } from "bun:sqlite";
import { type ArchiveAccess, readEachOn, writeOn } from "../archive/access.ts";
import { type ArchivedCall, archiveToolCall, archivedCallIds } from "../archive/tool-calls.ts";
import { RECALL_TOOL } from "../config/schema.ts";

/**
 * Keeps every tool output the request carries in the archive. opencode's own store is the other copy of each
 * output: when the tool hook's row was lost (opencode killed at the wrong moment, an archive folder deleted,
 * a call made before the plugin was on), the request's copy is archived from the transform, never over a
 * row the hook wrote (`keep`). Which calls are archived is read once per session, then tracked in memory.
 */
export function createRecovery(access: ArchiveAccess) {
  const known = new Map<string, Set<string>>();
  // A recreated file starts empty: every session's calls are checked again at its next request.
  if (!(access instanceof Database)) access.onResume((_db, recreated) => recreated && known.clear());

  const idsOf = (sessionID: string): Set<string> => {
    let ids = known.get(sessionID);
    if (ids === undefined) {
      const lists = readEachOn(access, (db) => archivedCallIds(db, sessionID));
      ids = new Set(lists.flat());
      known.set(sessionID, ids);
    }
    return ids;
  };

  return {
    /** The tool hook archived this call. */
    archived(sessionID: string, callID: string): void {
      known.get(sessionID)?.add(callID);
    },
    /**
     * Archives the calls of the request that no archive holds; returns how many. Only those are copied
     * (a call's input may be missing from a hostile request: it is archived as `{}`).
     */
    recover(sessionID: string, calls: readonly Omit<ArchivedCall, "sessionID">[]): number {
      const ids = idsOf(sessionID);
      const missing = calls.filter((c) => !ids.has(c.callID) && c.tool !== RECALL_TOOL);
      if (missing.length === 0) return 0;
      writeOn(access, (db) =>
        db.transaction(() => {
          for (const call of missing) archiveToolCall(db, { ...call, input: call.input ?? {}, sessionID }, "keep");
        })(),
      );
      for (const call of missing) ids.add(call.callID);
      return missing.length;
    },
  };
}

export type Recovery = ReturnType<typeof createRecovery>;
