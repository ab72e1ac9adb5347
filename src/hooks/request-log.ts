import { type ArchiveAccess, writeOn } from "../archive/access.ts";
import { logRequest, type RequestRecord } from "../archive/requests.ts";
import { formatCount } from "../format/number.ts";
import type { Notice, Toast } from "../log/notice.ts";
import type { FoldEvent } from "./fold.ts";

/** A batch or a fold that frees at least this many tokens from every later request gets a toast. */
export const NOTABLE_FREED_TOKENS = 5_000;

/**
 * What the transform tells about each shaped request: one row in the archive's request log, and a toast
 * when a batch freed a notable amount. A log that cannot be written is said once, never per request.
 */
export function createRequestRecorder(deps: { db: ArchiveAccess; toast: Toast; notice: Notice }): (request: RequestRecord) => void {
  return (request) => {
    try {
      // Through the link, a full or vanished archive is said once by the link itself; this catch is for the rest.
      writeOn(deps.db, (db) => logRequest(db, request));
    } catch (error) {
      deps.notice("request-log", "warn", `the request log could not be written, stats will miss requests: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (request.freedTokens >= NOTABLE_FREED_TOKENS) {
      deps.toast(
        "info",
        `batch ${request.batch} freed ${formatCount(request.freedTokens)} tokens from every later request (one cache rewrite of ${formatCount(request.rewriteTokens)} tool tokens)`,
      );
    }
  };
}

/** A toast for a fold that freed a notable amount (a fold moves rarely: in batches between two marks). */
export function foldToast(toast: Toast): (event: FoldEvent) => void {
  return (event) => {
    if (event.freedTokens < NOTABLE_FREED_TOKENS) return;
    toast(
      "info",
      `fold ${event.folds} freed ${formatCount(event.freedTokens)} tokens: ${event.messages} older messages are sent as the session ledger (${formatCount(event.digestTokens)} tokens; recall brings any output back)`,
    );
  };
}
