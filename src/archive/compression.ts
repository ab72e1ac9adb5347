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

/** Which job: by its key, since the file and the memory archive number their jobs apart. */
type JobKey = Pick<CompressionJob, "sessionID" | "callID" | "promptVersion">;
const BY_KEY = "session_id = ? AND call_id = ? AND prompt_version = ?";

/** Ends a job for good. */
export function finishJob(db: Database, job: JobKey, state: "done" | "failed" | "skipped", error: string | null = null, now = Date.now()): void {
  db.query(`UPDATE compression_jobs SET state = ?, last_error = ?, not_before = 0, updated_at = ? WHERE ${BY_KEY}`).run(state, error, now, job.sessionID, job.callID, job.promptVersion);
}

/** Puts a job back to wait until `notBefore`. `countAttempt` false: the attempt never reached a model. */
export function retryJob(db: Database, job: JobKey, notBefore: number, error: string | null, countAttempt: boolean, now = Date.now()): void {
  db.query(
    `UPDATE compression_jobs SET state = 'pending', last_error = coalesce(?, last_error), not_before = ?, updated_at = ?,
       attempts = attempts - ? WHERE ${BY_KEY}`,
  ).run(error, notBefore, now, countAttempt ? 0 : 1, job.sessionID, job.callID, job.promptVersion);
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

/**
 * Stores an LLM observation on the call's row in this archive, found by its key (the file and the memory
 * archive number their rows apart); a call this archive does not hold gets none.
 */
export function saveLlmObservation(db: Database, sessionID: string, callID: string, o: { text: string; version: number; tokens: number }): void {
  db.query(
    `INSERT INTO observations (call_row, method, version, text, tokens, created_at)
     SELECT id, ?, ?, ?, ?, ? FROM tool_calls WHERE session_id = ? AND call_id = ?
     ON CONFLICT (call_row, method, version) DO UPDATE SET text = excluded.text, tokens = excluded.tokens`,
  ).run(LLM_METHOD, o.version, o.text, o.tokens, Date.now(), sessionID, callID);
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

/**
 * The queue the memory archive took while the file was out, moved into the file after its calls: the jobs
 * (on the file's rows), the spend, the LLM observations and the swaps.
 */
export function moveQueue(from: Database, to: Database): void {
  const now = Date.now();
  // As they stand, on the file's rows; a job the file holds too keeps the file's state unless memory's ended it.
  const insert = to.query(
    `INSERT INTO compression_jobs (call_row, session_id, call_id, session_model, prompt_version, state, attempts, last_error, not_before, created_at, updated_at)
     SELECT id, session_id, call_id, ?, ?, ?, ?, ?, ?, ?, ? FROM tool_calls WHERE session_id = ? AND call_id = ?
     ON CONFLICT (session_id, call_id, prompt_version) DO UPDATE SET state = excluded.state, attempts = excluded.attempts,
       last_error = excluded.last_error, not_before = excluded.not_before, updated_at = excluded.updated_at
     WHERE excluded.state IN ('done', 'failed', 'skipped')`,
  );
  for (const j of from.query<JobRow & { not_before: number; created_at: number }, []>("SELECT * FROM compression_jobs ORDER BY id").all()) {
    insert.run(j.session_model, j.prompt_version, j.state, j.attempts, j.last_error, j.not_before, j.created_at, now, j.session_id, j.call_id);
  }
  for (const r of from.query<{ session_id: string; job_id: number | null; model: string; input_tokens: number; output_tokens: number; cost_usd: number | null; created_at: number }, []>(
    "SELECT * FROM compression_spend ORDER BY id",
  ).all()) {
    // The job id was the memory queue's: it names no job in the file.
    recordSpend(to, { sessionID: r.session_id, jobID: null, model: r.model, inputTokens: r.input_tokens, outputTokens: r.output_tokens, costUsd: r.cost_usd }, r.created_at);
  }
  const llm = from
    .query<{ session_id: string; call_id: string; version: number; text: string; tokens: number }, [string]>(
      "SELECT c.session_id, c.call_id, o.version, o.text, o.tokens FROM observations o JOIN tool_calls c ON c.id = o.call_row WHERE o.method = ?",
    )
    .all(LLM_METHOD);
  for (const o of llm) saveLlmObservation(to, o.session_id, o.call_id, { text: o.text, version: o.version, tokens: o.tokens });
  for (const w of from.query<{ session_id: string; batch: number; calls: number; saved_tokens: number; cache_write_tokens: number; created_at: number }, []>("SELECT * FROM compression_swaps").all()) {
    recordSwap(to, w.session_id, { batch: w.batch, calls: w.calls, savedTokens: w.saved_tokens, cacheWriteTokens: w.cache_write_tokens }, w.created_at);
  }
}

