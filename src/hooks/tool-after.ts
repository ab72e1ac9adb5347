import type { Database } from "bun:sqlite";
import { resolveFullOutput } from "../archive/full-output.ts";
import { archiveToolCall, findToolCall, setTokenCount } from "../archive/tool-calls.ts";
import type { SessionStore } from "../context/engine.ts";
import type { Logger } from "../log/logger.ts";
import { countTokens, estimateTokens } from "../tokens/count.ts";

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
 * opencode stores exactly what it would have. The token count and the observation are made after the hook
 * returns: the agent never waits for them.
 */
export function createToolAfterHook(deps: {
  db: Database;
  store: SessionStore;
  log: Logger;
  /** Where opencode saves cut-short outputs; its default location unless a test says otherwise. */
  toolOutputDir?: string;
}) {
  return async (input: ToolAfterInput, output: ToolAfterOutput): Promise<void> => {
    if (typeof output.output !== "string") return;
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
    setTimeout(() => {
      const precompute = async () => {
        const row = findToolCall(deps.db, input.sessionID, input.callID)?.row;
        if (row !== undefined) setTokenCount(deps.db, row, countTokens(full.output));
        await deps.store.observe(input.sessionID, call);
      };
      precompute().catch((error: unknown) => {
        deps.log("warn", `background work on ${input.callID} failed; the observation will be made on demand: ${String(error)}`);
      });
    }, 0);
  };
}
