import type { Database } from "bun:sqlite";
import { type AppliedEdit, type AppliedEditsStats, EMPTY_APPLIED_EDITS_STATS, recordAppliedEdits } from "../anthropic/applied-edits.ts";

/** One finished LLM step as the step-finish hook of a patched opencode reports it. */
export interface StepUsage {
  readonly sessionID: string;
  readonly messageID: string;
  readonly agent?: string;
  /** "provider/model". */
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** The server's applied context edits; undefined when the response reported none. */
  readonly appliedEdits?: readonly AppliedEdit[];
}

export interface StepTotals {
  readonly steps: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly serverEdits: AppliedEditsStats;
}

const STEP_COLUMNS = "session_id, message_id, agent, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, applied_edits, created_at";

/** The steps the memory archive took while the file was out, copied into the file as they were. */
export function moveSteps(from: Database, to: Database): void {
  const insert = to.query(`INSERT INTO steps (${STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const r of from.query<Record<string, string | number | null>, []>(`SELECT ${STEP_COLUMNS} FROM steps ORDER BY id`).all()) {
    insert.run(...STEP_COLUMNS.split(", ").map((c) => r[c]!));
  }
}

export function recordStep(db: Database, step: StepUsage): void {
  db.query(`INSERT INTO steps (${STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    step.sessionID,
    step.messageID,
    step.agent ?? null,
    step.model,
    step.inputTokens,
    step.outputTokens,
    step.cacheReadTokens,
    step.cacheWriteTokens,
    step.appliedEdits === undefined ? null : JSON.stringify(step.appliedEdits),
    Date.now(),
  );
}

/** The session's step totals; undefined when no step was reported (stock opencode has no step hook). */
export function stepTotals(db: Database, sessionID: string): StepTotals | undefined {
  const rows = db
    .query<{ input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; applied_edits: string | null }, [string]>(
      "SELECT input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, applied_edits FROM steps WHERE session_id = ? ORDER BY id",
    )
    .all(sessionID);
  if (rows.length === 0) return undefined;
  return {
    steps: rows.length,
    inputTokens: rows.reduce((sum, r) => sum + r.input_tokens, 0),
    outputTokens: rows.reduce((sum, r) => sum + r.output_tokens, 0),
    cacheReadTokens: rows.reduce((sum, r) => sum + r.cache_read_tokens, 0),
    cacheWriteTokens: rows.reduce((sum, r) => sum + r.cache_write_tokens, 0),
    serverEdits: rows.reduce(
      (stats, r) => (r.applied_edits === null ? stats : recordAppliedEdits(stats, JSON.parse(r.applied_edits) as AppliedEdit[])),
      EMPTY_APPLIED_EDITS_STATS,
    ),
  };
}
