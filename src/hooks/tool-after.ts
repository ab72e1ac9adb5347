import type { Database } from "bun:sqlite";
import { resolveFullOutput } from "../archive/full-output.ts";
import type { IdleWork } from "../archive/idle-work.ts";
import { archiveToolCall } from "../archive/tool-calls.ts";
import { RECALL_TOOL } from "../config/schema.ts";
import { asRecord } from "../json/record.ts";
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
  db: Database;
  idle: IdleWork;
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
    archiveToolCall(deps.db, call, "replace");
    deps.idle.add(input.sessionID, call);
  };
}
