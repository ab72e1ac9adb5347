import type { Database } from "bun:sqlite";
import { sessionToolCalls } from "../archive/tool-calls.ts";
import type { CompactionOptions } from "../config/schema.ts";
import { formatCompactionSummary } from "../context/compaction-summary.ts";
import type { SessionStore } from "../context/engine.ts";
import { asRecord, isRecord } from "../json/record.ts";
import type { Logger } from "../log/logger.ts";

/**
 * The summary Endless supplies when opencode compacts a session: built from the session's archived
 * observations. The one seam for what a compaction keeps (the session ledger can replace it).
 */
export function createCompactionSummary(deps: { db: Database; store: SessionStore }) {
  return async function compactionSummary(sessionID: string): Promise<string | undefined> {
    const calls = sessionToolCalls(deps.db, sessionID);
    const observed = [];
    for (const call of calls) {
      const metadata = isRecord(call.metadata) ? call.metadata : undefined;
      const view = { callID: call.callID, tool: call.tool, input: asRecord(call.input), output: call.output, metadata, tokens: call.tokens };
      const observation = await deps.store.observe(sessionID, view);
      observed.push({ tool: call.tool, input: call.input, observation });
    }
    return formatCompactionSummary(observed);
  };
}

type CompactingOutput = { context: string[]; prompt?: string; result?: { summary: string } };

/**
 * `experimental.session.compacting`: with the compaction-result patch its output has a `result` field;
 * setting it makes opencode store Endless's summary instead of calling the summariser. On stock opencode
 * (no `result` field) it does nothing.
 */
export function createCompactingHook(deps: { options: CompactionOptions; compactionSummary: (sessionID: string) => Promise<string | undefined>; log: Logger }) {
  return async (input: { sessionID: string }, output: CompactingOutput): Promise<void> => {
    if (!("result" in output) || deps.options.summary !== "endless") return;
    const summary = await deps.compactionSummary(input.sessionID);
    if (summary === undefined) return;
    output.result = { summary };
    deps.log("info", `session ${input.sessionID}: compaction summary supplied by Endless from its archive, no summariser call`);
  };
}
