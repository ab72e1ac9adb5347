import type { Database } from "bun:sqlite";
import { type AppliedEditsStats, EMPTY_APPLIED_EDITS_STATS } from "../anthropic/applied-edits.ts";
import { COMPRESSOR_VERSION } from "../compress/index.ts";
import { countTokens } from "../tokens/count.ts";
import { type StepTotals, stepTotals } from "./steps.ts";
import { type JobState, jobCounts, LLM_METHOD, type Spent, spentBy, swapTotals } from "./compression.ts";

/** The whole bill of LLM observations, for a session or for the archive. */
export interface CompressionBill {
  /** Model calls made and what they cost (`spent.costUsd` covers priced calls; `unpricedCalls` had no price). */
  readonly spent: Spent;
  readonly jobs: Readonly<Record<JobState, number>>;
  /** Compressed calls now sent as their LLM observation. */
  readonly llmRendered: number;
  /** Tokens those calls take fewer than their fast observations would, in every request that carries them. */
  readonly savedTokensPerRequest: number;
  /** Batches that swapped LLM observations in for renders the cache held, and the cache writes they caused. */
  readonly swaps: number;
  readonly swapCacheWriteTokens: number;
}

/**
 * What LLM observations cost and saved, per session or in total: the one place the stats command and the
 * in-session views read it from.
 */
export function compressionBill(db: Database, sessionID?: string): CompressionBill {
  const rendered = db
    .query<{ llm: number; fast: number | null }, [string, number, string, string | null, string | null]>(
      `SELECT o.tokens AS llm,
         (SELECT f.tokens FROM observations f WHERE f.call_row = c.id AND f.method <> ? AND f.version = ?) AS fast
       FROM renders r
       JOIN tool_calls c ON c.session_id = r.session_id AND c.call_id = r.call_id
       JOIN observations o ON o.call_row = c.id AND o.method = ? AND o.text = r.text
       WHERE (? IS NULL OR r.session_id = ?)`,
    )
    .all(LLM_METHOD, COMPRESSOR_VERSION, LLM_METHOD, sessionID ?? null, sessionID ?? null);
  const swaps = swapTotals(db, sessionID);
  return {
    spent: spentBy(db, { sessionID }),
    jobs: jobCounts(db, sessionID),
    llmRendered: rendered.length,
    savedTokensPerRequest: rendered.reduce((sum, r) => sum + Math.max(0, (r.fast ?? r.llm) - r.llm), 0),
    swaps: swaps.swaps,
    swapCacheWriteTokens: swaps.cacheWriteTokens,
  };
}

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
  /** LLM observations: spend, jobs, savings, cache writes. */
  readonly compression: CompressionBill;
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
      compression: compressionBill(db, s.session_id),
    };
  });
}

export interface ArchiveTotals {
  readonly sessions: number;
  readonly toolCalls: number;
  /** Batches over every session: each one a cache rewrite Endless caused. */
  readonly batches: number;
}

export function archiveTotals(db: Database): ArchiveTotals {
  const calls = db.query<{ sessions: number; calls: number }, []>("SELECT count(DISTINCT session_id) AS sessions, count(*) AS calls FROM tool_calls").get();
  const batches = db.query<{ batches: number | null }, []>("SELECT sum(batch) AS batches FROM frontiers").get();
  return { sessions: calls?.sessions ?? 0, toolCalls: calls?.calls ?? 0, batches: batches?.batches ?? 0 };
}

/** Tokens and dollars a compression model (an LLM writing observations) spent. */
export interface CompressionSpend {
  /** Whether any compression model is configured; with none, every figure below is 0. */
  readonly configured: boolean;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUSD: number;
}

/**
 * What compression models spent, for one session or in total: the one place the stats, the report and
 * `/endless` read it from. This version makes every observation with the fast compressors and calls no
 * model, so there is nothing to spend yet; the LLM observer (issue 12) fills this from its job table.
 */
export function compressionSpend(_db: Database, _sessionID?: string): CompressionSpend {
  return { configured: false, calls: 0, inputTokens: 0, outputTokens: 0, costUSD: 0 };
}

/** One of a session's largest archived outputs, and what requests carry in its place now. */
export interface LargeOutput {
  readonly callID: string;
  readonly tool: string;
  readonly input: string;
  readonly tokens: number;
  /** The text sent instead (observation, pointer or the output kept whole); absent while it goes raw. */
  readonly sentAs?: string;
  readonly sentTokens: number;
}

export function largestOutputs(db: Database, sessionID: string, limit = 10): LargeOutput[] {
  return db
    .query<{ call_id: string; tool: string; input: string; tokens: number; render: string | null }, [string, number]>(
      `SELECT c.call_id, c.tool, c.input, c.tokens, r.text AS render FROM tool_calls c
       LEFT JOIN renders r ON r.session_id = c.session_id AND r.call_id = c.call_id
       WHERE c.session_id = ? ORDER BY c.tokens DESC, c.id LIMIT ?`,
    )
    .all(sessionID, limit)
    .map((r) => ({
      callID: r.call_id,
      tool: r.tool,
      input: r.input,
      tokens: r.tokens,
      ...(r.render === null ? {} : { sentAs: r.render }),
      sentTokens: r.render === null ? r.tokens : countTokens(r.render),
    }));
}
