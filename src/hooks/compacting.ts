import { type ArchiveAccess, readEachOn } from "../archive/access.ts";
import { sessionToolCalls } from "../archive/tool-calls.ts";
import type { CompactionOptions } from "../config/schema.ts";
import { formatCompactionSummary } from "../context/compaction-summary.ts";
import type { SessionStore } from "../context/engine.ts";
import { asRecord, isRecord } from "../json/record.ts";
import type { Logger } from "../log/logger.ts";
import type { Folder } from "./fold.ts";

/** What the summariser is told about the ledger it is handed. */
const LEDGER_NOTE =
  "The session ledger below was kept by the Endless plugin from every tool call of this session. Carry its goal, files written or edited, unresolved errors and todo list into the summary as they stand, with their call ids (any output comes back whole with recall by id):";

/**
 * The summary Endless supplies when opencode compacts a session on a patched opencode: the session's
 * archived observations (newest first within a budget), then the ledger digest, so files, errors and todos
 * survive. The one seam for what a compaction keeps. Undefined when nothing is archived.
 */
export function createCompactionSummary(deps: { db: ArchiveAccess; store: SessionStore; folder: Folder }) {
  return async function compactionSummary(sessionID: string): Promise<string | undefined> {
    // The file's calls, then those kept in memory while it was out.
    const calls = readEachOn(deps.db, (db) => sessionToolCalls(db, sessionID)).flat();
    const observed = [];
    for (const call of calls) {
      const metadata = isRecord(call.metadata) ? call.metadata : undefined;
      const view = { callID: call.callID, tool: call.tool, input: asRecord(call.input), output: call.output, metadata, tokens: call.tokens };
      const observation = await deps.store.observe(sessionID, view);
      observed.push({ tool: call.tool, input: call.input, observation });
    }
    const summary = formatCompactionSummary(observed);
    return summary === undefined ? undefined : `${summary}\n\n${deps.folder.digest(sessionID)}`;
  };
}

type CompactingOutput = { context: string[]; prompt?: string; result?: { summary: string } };

/**
 * `experimental.session.compacting`. With the compaction-result patch its output has a `result` field;
 * setting it makes opencode store Endless's summary instead of calling the summariser. Otherwise (stock
 * opencode, `compaction.summary: "llm"`, or nothing archived) the summariser runs and is handed the ledger
 * as added context, so what it writes keeps the session's files, errors and todos.
 */
export function createCompactingHook(deps: {
  options: CompactionOptions;
  compactionSummary: (sessionID: string) => Promise<string | undefined>;
  folder: Folder;
  log: Logger;
}) {
  return async (input: { sessionID: string }, output: CompactingOutput): Promise<void> => {
    if ("result" in output && deps.options.summary === "endless") {
      const summary = await deps.compactionSummary(input.sessionID);
      if (summary !== undefined) {
        output.result = { summary };
        deps.log("info", `session ${input.sessionID}: compaction summary supplied by Endless from its archive, no summariser call`);
        return;
      }
    }
    output.context.push(`${LEDGER_NOTE}\n\n${deps.folder.digest(input.sessionID)}`);
  };
}
