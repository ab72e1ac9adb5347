import type { Database } from "bun:sqlite";
import { type AppliedEditsStats, EMPTY_APPLIED_EDITS_STATS } from "../anthropic/applied-edits.ts";
import { countTokens } from "../tokens/count.ts";
import { type StepTotals, stepTotals } from "./steps.ts";

export interface SessionStats {
  readonly sessionID: string;
  readonly toolCalls: number;
  /** Tokens of every archived output, as the tools produced them. */
  readonly outputTokens: number;
  /** Calls sent as an observation or pointer since the last batch. */
  readonly compressedCalls: number;
  /** Tokens of those calls' originals, and of what is sent instead. */
  readonly compressedOutputTokens: number;
  readonly observationTokens: number;
  /** Batches the compression frontier has moved. */
  readonly batches: number;
  /**
   * Anthropic's server-side edits. `reported` stays false on stock opencode 1.18.33, which drops the
   * response's applied_edits before any hook sees them; the step-finish patch delivers them.
   */
  readonly serverEdits: AppliedEditsStats & { readonly reported: boolean };
  /** Tokens of every LLM step (cache read and write included); only with the step-finish patch. */
  readonly usage?: Omit<StepTotals, "serverEdits">;
}

/** What Endless did in each archived session, newest first, read from the archive. */
export function sessionStats(db: Database, only?: string): SessionStats[] {
  const sessions = db
    .query<{ session_id: string; calls: number; tokens: number }, []>(
      "SELECT session_id, count(*) AS calls, sum(tokens) AS tokens FROM tool_calls GROUP BY session_id ORDER BY max(created_at) DESC",
    )
    .all()
    .filter((s) => only === undefined || s.session_id === only);
  return sessions.map((s) => {
    const compressed = db
      .query<{ text: string; tokens: number }, [string]>(
        `SELECT r.text, c.tokens FROM renders r JOIN tool_calls c ON c.session_id = r.session_id AND c.call_id = r.call_id
         WHERE r.session_id = ?`,
      )
      .all(s.session_id);
    const steps = stepTotals(db, s.session_id);
    const batch = db.query<{ batch: number }, [string]>("SELECT batch FROM frontiers WHERE session_id = ?").get(s.session_id);
    return {
      sessionID: s.session_id,
      toolCalls: s.calls,
      outputTokens: s.tokens,
      compressedCalls: compressed.length,
      compressedOutputTokens: compressed.reduce((sum, r) => sum + r.tokens, 0),
      observationTokens: compressed.reduce((sum, r) => sum + countTokens(r.text), 0),
      batches: batch?.batch ?? 0,
      serverEdits: steps ? { ...steps.serverEdits, reported: true } : { ...EMPTY_APPLIED_EDITS_STATS, reported: false },
      ...(steps && { usage: { steps: steps.steps, inputTokens: steps.inputTokens, outputTokens: steps.outputTokens, cacheReadTokens: steps.cacheReadTokens, cacheWriteTokens: steps.cacheWriteTokens } }),
    };
  });
}
