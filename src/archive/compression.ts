/**
 * @module
 * SQL of the LLM observations: the durable job queue, the spend records, the observations themselves
 * (rows of `observations` with method 'llm', version = prompt version) and the swaps a batch made.
 */
import type { Database } from "bun:sqlite";

/** The observations table's method for LLM observations (the fast compressors' methods name a tool family). */
export const LLM_METHOD = "llm";

export type JobState = "pending" | "running" | "done" | "failed" | "skipped";

export interface CompressionJob {
  readonly id: number;
  readonly row: number;
  readonly sessionID: string;
  readonly callID: string;
  /** The session's "provider/model" when the call was made: it picks the compression chain. */
  readonly sessionModel: string;
  readonly promptVersion: number;
  readonly state: JobState;
  /** Attempts started, this one included once claimed. */
  readonly attempts: number;
  readonly lastError: string | null;
}

interface JobRow {
  id: number;
  call_row: number;
  session_id: string;
  call_id: string;
  session_model: string;
  prompt_version: number;
  state: JobState;
  attempts: number;
  last_error: string | null;
}

const fromRow = (r: JobRow): CompressionJob => ({
  id: r.id,
  row: r.call_row,
  sessionID: r.session_id,
  callID: r.call_id,
  sessionModel: r.session_model,
  promptVersion: r.prompt_version,
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
});

/** Queues a call for an LLM observation; a call already queued under this prompt version is left as it is. */
export function enqueueJob(
  db: Database,
  job: { sessionID: string; callID: string; sessionModel: string; promptVersion: number },
  now = Date.now(),
): void {
  db.query(
    `INSERT INTO compression_jobs (call_row, session_id, call_id, session_model, prompt_version, state, created_at, updated_at)
     SELECT id, session_id, call_id, ?, ?, 'pending', ?, ? FROM tool_calls WHERE session_id = ? AND call_id = ?
     ON CONFLICT (session_id, call_id, prompt_version) DO NOTHING`,
  ).run(job.sessionModel, job.promptVersion, now, now, job.sessionID, job.callID);
}

/**
 * Takes up to `limit` due jobs, oldest first, in one statement: pending ones whose retry time has come,
 * and running ones whose lease ran out (their process died). Each is leased for `leaseMs`.
 */
export function claimDueJobs(db: Database, limit: number, leaseMs: number, now = Date.now()): CompressionJob[] {
  if (limit <= 0) return [];
  return db
    .query<JobRow, [number, number, number, number]>(
      `UPDATE compression_jobs SET state = 'running', attempts = attempts + 1, not_before = ?, updated_at = ?
       WHERE id IN (SELECT id FROM compression_jobs WHERE state IN ('pending', 'running') AND not_before <= ? ORDER BY id LIMIT ?)
       RETURNING *`,
    )
    .all(now + leaseMs, now, now, limit)
    .sort((a, b) => a.id - b.id)
    .map(fromRow);
}

/** Ends a job for good. */
export function finishJob(db: Database, id: number, state: "done" | "failed" | "skipped", error: string | null = null, now = Date.now()): void {
  db.query("UPDATE compression_jobs SET state = ?, last_error = ?, not_before = 0, updated_at = ? WHERE id = ?").run(state, error, now, id);
}

/** Puts a job back to wait until `notBefore`. `countAttempt` false: the attempt never reached a model. */
export function retryJob(db: Database, id: number, notBefore: number, error: string | null, countAttempt: boolean, now = Date.now()): void {
  db.query(
    `UPDATE compression_jobs SET state = 'pending', last_error = coalesce(?, last_error), not_before = ?, updated_at = ?,
       attempts = attempts - ? WHERE id = ?`,
  ).run(error, notBefore, now, countAttempt ? 0 : 1, id);
}

/** When the next pending job falls due, if any is waiting. */
export function nextDueTime(db: Database): number | undefined {
  return db.query<{ t: number | null }, []>("SELECT min(not_before) AS t FROM compression_jobs WHERE state IN ('pending', 'running')").get()?.t ?? undefined;
}

export function findJob(db: Database, sessionID: string, callID: string, promptVersion: number): CompressionJob | undefined {
  const row = db
    .query<JobRow, [string, string, number]>("SELECT * FROM compression_jobs WHERE session_id = ? AND call_id = ? AND prompt_version = ?")
    .get(sessionID, callID, promptVersion);
  return row ? fromRow(row) : undefined;
}

export function jobCounts(db: Database, sessionID?: string): Record<JobState, number> {
  const rows = db
    .query<{ state: JobState; n: number }, [string | null, string | null]>(
      "SELECT state, count(*) AS n FROM compression_jobs WHERE (? IS NULL OR session_id = ?) GROUP BY state",
    )
    .all(sessionID ?? null, sessionID ?? null);
  const counts: Record<JobState, number> = { pending: 0, running: 0, done: 0, failed: 0, skipped: 0 };
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}

export interface SpendRecord {
  readonly sessionID: string;
  readonly jobID: number | null;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** null: no price known for the model. */
  readonly costUsd: number | null;
}

export function recordSpend(db: Database, spend: SpendRecord, now = Date.now()): void {
  db.query(
    "INSERT INTO compression_spend (session_id, job_id, model, input_tokens, output_tokens, cost_usd, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  ).run(spend.sessionID, spend.jobID, spend.model, spend.inputTokens, spend.outputTokens, spend.costUsd, now);
}

/** What compression spent: tokens, priced cost, and how many calls had no price. */
export interface Spent {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly unpricedCalls: number;
}

/** Spend of one session (or all), since a time (or ever). */
export function spentBy(db: Database, filter: { sessionID?: string; since?: number } = {}): Spent {
  const row = db
    .query<{ calls: number; i: number | null; o: number | null; c: number | null; u: number | null }, [string | null, string | null, number]>(
      `SELECT count(*) AS calls, sum(input_tokens) AS i, sum(output_tokens) AS o, sum(cost_usd) AS c,
         sum(cost_usd IS NULL) AS u
       FROM compression_spend WHERE (? IS NULL OR session_id = ?) AND created_at >= ?`,
    )
    .get(filter.sessionID ?? null, filter.sessionID ?? null, filter.since ?? 0);
  return {
    calls: row?.calls ?? 0,
    inputTokens: row?.i ?? 0,
    outputTokens: row?.o ?? 0,
    costUsd: row?.c ?? 0,
    unpricedCalls: row?.u ?? 0,
  };
}

/** The LLM observations of a session's calls made with this prompt version: callID -> text. */
export function llmObservations(db: Database, sessionID: string, version: number): Map<string, string> {
  const rows = db
    .query<{ call_id: string; text: string }, [string, string, number]>(
      `SELECT c.call_id, o.text FROM observations o JOIN tool_calls c ON c.id = o.call_row
       WHERE c.session_id = ? AND o.method = ? AND o.version = ?`,
    )
    .all(sessionID, LLM_METHOD, version);
  return new Map(rows.map((r) => [r.call_id, r.text]));
}

/** A batch that replaced fast renders the cache already held with LLM observations. */
export interface Swap {
  readonly batch: number;
  readonly calls: number;
  /** Tokens fewer in every later request. */
  readonly savedTokens: number;
  /** Tokens of the request the swap made the cache write again, beyond what the batch rewrote anyway. */
  readonly cacheWriteTokens: number;
}

export function recordSwap(db: Database, sessionID: string, swap: Swap, now = Date.now()): void {
  db.query(
    `INSERT INTO compression_swaps (session_id, batch, calls, saved_tokens, cache_write_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id, batch) DO UPDATE SET calls = excluded.calls, saved_tokens = excluded.saved_tokens,
       cache_write_tokens = excluded.cache_write_tokens`,
  ).run(sessionID, swap.batch, swap.calls, swap.savedTokens, swap.cacheWriteTokens, now);
}

export function swapTotals(db: Database, sessionID?: string): { swaps: number; calls: number; savedTokens: number; cacheWriteTokens: number } {
  const row = db
    .query<{ n: number; calls: number | null; saved: number | null; writes: number | null }, [string | null, string | null]>(
      `SELECT count(*) AS n, sum(calls) AS calls, sum(saved_tokens) AS saved, sum(cache_write_tokens) AS writes
       FROM compression_swaps WHERE (? IS NULL OR session_id = ?)`,
    )
    .get(sessionID ?? null, sessionID ?? null);
  return { swaps: row?.n ?? 0, calls: row?.calls ?? 0, savedTokens: row?.saved ?? 0, cacheWriteTokens: row?.writes ?? 0 };
}
