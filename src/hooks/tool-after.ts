import type { Database } from "bun:sqlite";
import { resolveFullOutput } from "../archive/full-output.ts";
import { archiveToolCall } from "../archive/tool-calls.ts";
import type { SessionStore } from "../context/engine.ts";
import type { Logger } from "../log/logger.ts";
import { countTokens } from "../tokens/count.ts";

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

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};

/**
 * `tool.execute.after`: archives the whole output the moment it arrives and leaves `output` untouched, so
 * opencode stores exactly what it would have. The observation is computed after the hook returns: the
 * agent never waits for it.
 */
export function createToolAfterHook(deps: { db: Database; store: SessionStore; log: Logger }) {
  return async (input: ToolAfterInput, output: ToolAfterOutput): Promise<void> => {
    if (typeof output.output !== "string") return;
    const full = await resolveFullOutput(output.output, output.metadata);
    const call = {
      sessionID: input.sessionID,
      callID: input.callID,
      tool: input.tool,
      input: asRecord(input.args),
      metadata: asRecord(output.metadata),
      tokens: countTokens(full.output),
      ...full,
    };
    archiveToolCall(deps.db, call, "replace");
    setTimeout(() => {
      deps.store.observe(input.sessionID, call).catch((error: unknown) => {
        deps.log("warn", `precomputing the observation of ${input.callID} failed; it will be made on demand: ${String(error)}`);
      });
    }, 0);
  };
}
