import type { Database } from "bun:sqlite";
import { type RequestTotals, requestTotals } from "../archive/requests.ts";
import type { CompressionBill, SessionStats } from "../archive/stats.ts";
import { type ReportedUsage, reportedUsage } from "../replay/importers/opencode-db.ts";
import { dollars, listPrice } from "../tokens/prices.ts";

/**
 * The whole bill of one session: what was sent against what stock opencode would have sent, the cache
 * figures, what Endless cost in cache rewrites and compression-model calls, and the net saving. Each
 * figure says where it comes from: `reported` (opencode's own storage, from the provider's usage) or
 * `estimated` (Endless's own counts with the project tokenizer).
 */
export interface SessionBill {
  readonly sessionID: string;
  readonly toolCalls: number;
  /** What opencode recorded for the session's requests; absent when its storage was not read or lacks the session. */
  readonly reported?: ReportedUsage;
  readonly sent: { readonly tokens: number; readonly source: "reported" | "estimated (tool outputs only)" };
  /** What stock opencode would have sent: what was sent plus what Endless kept out. */
  readonly stockTokens: number;
  readonly cache: { readonly readTokens: number; readonly writeTokens: number; readonly source: "reported" | "not reported" };
  /** Endless's request log: tool-output tokens kept out of the requests sent. */
  readonly endless: RequestTotals & { readonly batches: number };
  readonly compression: CompressionBill;
  readonly serverEdits: SessionStats["serverEdits"];
  /** The usage a patched opencode's step-finish hook recorded per LLM step (absent on stock opencode). */
  readonly usage?: SessionStats["usage"];
  readonly net: {
    /** Tokens kept out minus the compression model's tokens. */
    readonly tokens: number;
    /** At the list price of the session's model; absent when the model has no known price. */
    readonly usd?: { readonly price: string; readonly saved: number; readonly cacheRewrites: number; readonly compression: number; readonly net: number };
  };
}

/**
 * Dollars, at list price: each kept-out token would at least have been read from the cache (saved at the
 * cache-read price, a lower bound); each token a batch made the cache write again costs the write price
 * instead of a read; the compression model's own cost is taken as recorded.
 */
function netUSD(model: string | undefined, endless: RequestTotals, compression: CompressionBill): SessionBill["net"]["usd"] {
  const known = model === undefined ? undefined : listPrice(model);
  if (known === undefined) return undefined;
  const { price } = known;
  const saved = dollars(endless.savedTokens, price.cacheRead);
  const cacheRewrites = dollars(endless.rewriteTokens, price.cacheWrite - price.cacheRead);
  return { price: known.key, saved, cacheRewrites, compression: compression.spent.costUsd, net: saved - cacheRewrites - compression.spent.costUsd };
}

/** The usage a patched opencode's step-finish hook recorded in the archive, when opencode's storage has none. */
function stepUsage(stats: SessionStats): ReportedUsage | undefined {
  const usage = stats.usage;
  if (usage === undefined || usage.steps === 0) return undefined;
  return {
    requests: usage.steps,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens,
    costUSD: 0,
    models: [],
  };
}

export function sessionBill(input: { db: Database; stats: SessionStats; opencode?: Database; model?: string }): SessionBill {
  const { db, stats } = input;
  const endless = { ...requestTotals(db, stats.sessionID), batches: stats.batches };
  const stored = input.opencode === undefined ? undefined : reportedUsage(input.opencode, stats.sessionID);
  const reported = stored !== undefined && stored.requests > 0 ? stored : stepUsage(stats);
  const compression = stats.compression;
  const sent = reported
    ? { tokens: reported.inputTokens + reported.cacheReadTokens + reported.cacheWriteTokens, source: "reported" as const }
    : { tokens: endless.toolTokensSent, source: "estimated (tool outputs only)" as const };
  const cacheReported = reported !== undefined && reported.cacheReadTokens + reported.cacheWriteTokens > 0;
  return {
    sessionID: stats.sessionID,
    toolCalls: stats.toolCalls,
    ...(reported ? { reported } : {}),
    sent,
    stockTokens: sent.tokens + endless.savedTokens,
    cache: {
      readTokens: reported?.cacheReadTokens ?? 0,
      writeTokens: reported?.cacheWriteTokens ?? 0,
      source: cacheReported ? "reported" : "not reported",
    },
    endless,
    compression,
    serverEdits: stats.serverEdits,
    ...(stats.usage ? { usage: stats.usage } : {}),
    net: {
      tokens: endless.savedTokens - compression.spent.inputTokens - compression.spent.outputTokens,
      usd: netUSD(input.model ?? reported?.models[0], endless, compression),
    },
  };
}
