/**
 * The prompt-cache model and prices, as pure functions over per-request token counts.
 *
 * A request's cached part is its longest common prefix with the previous request (counted in whole
 * segments); everything after it is written to the cache. Cached input is billed at 0.1x the input price,
 * written input at 1.25x (Anthropic's 5-minute cache). Without a cache every input token costs 1x.
 *
 * @module
 */

import { CACHE_PRICE } from "../context/policy.ts";

/** Sonnet-class list price, USD per million input tokens, and the cache multipliers (those the policy weighs batches by). */
export const PRICE = {
  inputPerMTok: 3,
  cacheWrite: CACHE_PRICE.write,
  cacheRead: CACHE_PRICE.read,
} as const;

/** One request as sent: a key per segment (equal keys mean equal text) and its token count. */
export interface SentSegment {
  readonly key: string;
  readonly tokens: number;
}

/** Tokens of the longest common segment prefix of two requests. */
export function commonPrefixTokens(previous: readonly SentSegment[], current: readonly SentSegment[]): number {
  let tokens = 0;
  const n = Math.min(previous.length, current.length);
  for (let i = 0; i < n; i++) {
    if (previous[i]!.key !== current[i]!.key) break;
    tokens += current[i]!.tokens;
  }
  return tokens;
}

export interface RequestCost {
  /** Tokens of the whole request. */
  readonly tokens: number;
  /** Of those, the prefix read from the cache. */
  readonly cached: number;
  /** Tokens of tool outputs (raw or as rendered by the policy). */
  readonly toolOutput: number;
}

export interface CostTotals {
  readonly requests: number;
  readonly inputTokens: number;
  readonly cachedTokens: number;
  readonly peakTokens: number;
  readonly toolOutputTokens: number;
  readonly costUSD: number;
  readonly costNoCacheUSD: number;
  /** Requests whose cached prefix is shorter than the whole previous request: the cache was rewritten. */
  readonly cacheBreaks: number;
}

const usd = (tokens: number, multiplier: number): number => (tokens * PRICE.inputPerMTok * multiplier) / 1_000_000;

export function costOfRequest(request: RequestCost): number {
  return usd(request.cached, PRICE.cacheRead) + usd(request.tokens - request.cached, PRICE.cacheWrite);
}

export function totalsOf(requests: readonly RequestCost[]): CostTotals {
  let inputTokens = 0;
  let cachedTokens = 0;
  let peakTokens = 0;
  let toolOutputTokens = 0;
  let costUSD = 0;
  let cacheBreaks = 0;
  requests.forEach((r, i) => {
    inputTokens += r.tokens;
    cachedTokens += r.cached;
    peakTokens = Math.max(peakTokens, r.tokens);
    toolOutputTokens += r.toolOutput;
    costUSD += costOfRequest(r);
    if (i > 0 && r.cached < requests[i - 1]!.tokens) cacheBreaks++;
  });
  return {
    requests: requests.length,
    inputTokens,
    cachedTokens,
    peakTokens,
    toolOutputTokens,
    costUSD,
    costNoCacheUSD: usd(inputTokens, 1),
    cacheBreaks,
  };
}
