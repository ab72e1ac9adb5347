import type { Database } from "bun:sqlite";
import { logRequest, type RequestRecord } from "../archive/requests.ts";
import type { Notice, Toast } from "../log/notice.ts";

/** A batch that frees at least this many tokens from every later request gets a toast. */
export const NOTABLE_FREED_TOKENS = 5_000;

/**
 * What the transform tells about each shaped request: one row in the archive's request log, and a toast
 * when a batch freed a notable amount. A log that cannot be written is said once, never per request.
 */
export function createRequestRecorder(deps: { db: Database; toast: Toast; notice: Notice }): (request: RequestRecord) => void {
  return (request) => {
    try {
      logRequest(deps.db, request);
    } catch (error) {
      deps.notice("request-log", "warn", `the request log could not be written, stats will miss requests: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (request.freedTokens >= NOTABLE_FREED_TOKENS) {
      deps.toast(
        "info",
        `batch ${request.batch} freed ${request.freedTokens.toLocaleString("en-US")} tokens from every later request (one cache rewrite of ${request.rewriteTokens.toLocaleString("en-US")} tool tokens)`,
      );
    }
  };
}
