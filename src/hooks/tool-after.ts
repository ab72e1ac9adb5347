import { resolveFullOutput } from "../archive/full-output.ts";
import type { IdleWork } from "../archive/idle-work.ts";
import type { CompressionWorker } from "../observer/worker.ts";
import type { LedgerStore } from "../archive/ledger.ts";
import { type ArchiveAccess, writeOn } from "../archive/access.ts";
import { archiveToolCall } from "../archive/tool-calls.ts";
import { RECALL_TOOL } from "../config/schema.ts";
import { asRecord } from "../json/record.ts";
import { exitOf } from "../ledger/extract.ts";
import type { Recovery } from "./recover.ts";
import { estimateTokens } from "../tokens/count.ts";

export interface ToolAfterInput {
  tool: string;
  sessionID: string;
  callID: string;
  args: unknown;
}
export interface ToolAfterOutput {
  title: string;
  output: string;
  metadata: unknown;
}

/**
 * `tool.execute.after`: archives the whole output the moment it arrives and leaves `output` untouched, so
 * opencode stores exactly what it would have. Only the row is written here (the durable part); the token
 * count, the observation and search indexing are queued for idle time.
 */
export function createToolAfterHook(deps: {
  db: ArchiveAccess;
  idle: IdleWork;
  /** Queues an LLM observation (one row insert); the model is called later, in idle time. */
  observer?: Pick<CompressionWorker, "enqueue">;
  /** The session ledgers: the call is recorded in memory here, written in idle work. */
  ledgers?: LedgerStore;
  recovery?: Recovery;
  /** Where opencode saves cut-short outputs; its default location unless a test says otherwise. */
  toolOutputDir?: string;
}) {
  return async (input: ToolAfterInput, output: ToolAfterOutput): Promise<void> => {
    // recall's answers are copies of the archive: archiving them would only duplicate search hits.
    if (typeof output.output !== "string" || input.tool === RECALL_TOOL) return;
    const full = await resolveFullOutput(output.output, output.metadata, deps.toolOutputDir);
    const call = {
      sessionID: input.sessionID,
      callID: input.callID,
      tool: input.tool,
      input: asRecord(input.args),
      metadata: asRecord(output.metadata),
      tokens: estimateTokens(full.output),
      ...full,
    };
    writeOn(deps.db, (db) => archiveToolCall(db, call, "replace"));
    deps.recovery?.archived(input.sessionID, input.callID);
    deps.ledgers?.recordCall(input.sessionID, { ...call, exit: exitOf(call.metadata) });
    deps.idle.add(input.sessionID, call);
    deps.observer?.enqueue(input.sessionID, input.callID, call.tokens);
  };
}
