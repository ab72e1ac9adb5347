import { type CostTotals, type RequestCost, totalsOf } from "./cache-model.ts";
import type { PolicyName } from "./policies/index.ts";

/** One tool family's calls, and those whose output a policy replaced: their raw tokens and the tokens sent instead. */
export interface FamilyTotals {
  readonly calls: number;
  /** Tokens of all its outputs, raw. */
  readonly rawTokens: number;
  /** Calls whose output the policy sent as something else (an observation, a pointer, a placeholder). */
  readonly compressed: number;
  /** Raw tokens of those outputs. */
  readonly compressedRawTokens: number;
  /** Tokens of what those outputs were last sent as. */
  readonly sentTokens: number;
}

/**
 * One policy's numbers, for one session or summed over all (see `sumTotals`): the cache model's totals
 * (the largest request, over several sessions, is the largest of all, as in docs/field.md) plus facts.
 */
export interface PolicyTotals extends CostTotals {
  /** Later references still in context when used, as a share (null when there were none). */
  readonly retention: number | null;
  /** Later references a recall search gives back: a listed call holds their text (null for policies without recall). */
  readonly recallable: number | null;
  /** Compute time the policy took, in milliseconds. */
  readonly ms: number;
  /** Requests larger than the model's window (`endless bench --window N`); null when no window was given. */
  readonly overWindow: number | null;
  readonly references: number;
  readonly retained: number;
  readonly recalled: number | null;
  /** By tool family (`toolFamily`): calls, and the replaced outputs' raw tokens against the tokens sent. */
  readonly families: Readonly<Record<string, FamilyTotals>>;
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export function policyTotals(input: {
  readonly requests: readonly RequestCost[];
  readonly references: number;
  readonly retained: number;
  readonly recalled: number | null;
  readonly ms: number;
  readonly families: Readonly<Record<string, FamilyTotals>>;
  readonly window?: number;
}): PolicyTotals {
  const { requests: _, ...costs } = totalsOf(input.requests);
  const window = input.window;
  return {
    requests: input.requests.length,
    ...costs,
    retention: share(input.retained, input.references),
    recallable: input.recalled === null ? null : share(input.recalled, input.references),
    ms: input.ms,
    overWindow: window === undefined ? null : input.requests.filter((r) => r.tokens > window).length,
    references: input.references,
    retained: input.retained,
    recalled: input.recalled,
    families: input.families,
  };
}

export const NO_CALLS: FamilyTotals = { calls: 0, rawTokens: 0, compressed: 0, compressedRawTokens: 0, sentTokens: 0 };

/** Two families' figures added field by field. */
export const addFamily = (a: FamilyTotals, b: FamilyTotals): FamilyTotals => ({
  calls: a.calls + b.calls,
  rawTokens: a.rawTokens + b.rawTokens,
  compressed: a.compressed + b.compressed,
  compressedRawTokens: a.compressedRawTokens + b.compressedRawTokens,
  sentTokens: a.sentTokens + b.sentTokens,
});

function sumFamilies(items: readonly Readonly<Record<string, FamilyTotals>>[]): Record<string, FamilyTotals> {
  const sum: Record<string, FamilyTotals> = {};
  for (const families of items) for (const [family, f] of Object.entries(families)) sum[family] = addFamily(sum[family] ?? NO_CALLS, f);
  return sum;
}

/** Sums sessions: token and cost figures add up, the peak is the largest, shares are pooled over all references. */
export function sumTotals(items: readonly PolicyTotals[]): PolicyTotals {
  const sum = (pick: (t: PolicyTotals) => number) => items.reduce((n, t) => n + pick(t), 0);
  const references = sum((t) => t.references);
  const retained = sum((t) => t.retained);
  const recalled = items.some((t) => t.recalled === null) ? null : sum((t) => t.recalled ?? 0);
  return {
    requests: sum((t) => t.requests),
    inputTokens: sum((t) => t.inputTokens),
    cachedTokens: sum((t) => t.cachedTokens),
    peakTokens: items.reduce((n, t) => Math.max(n, t.peakTokens), 0),
    toolOutputTokens: sum((t) => t.toolOutputTokens),
    costUSD: sum((t) => t.costUSD),
    costNoCacheUSD: sum((t) => t.costNoCacheUSD),
    cacheBreaks: sum((t) => t.cacheBreaks),
    retention: share(retained, references),
    recallable: recalled === null ? null : share(recalled, references),
    ms: sum((t) => t.ms),
    overWindow: items.some((t) => t.overWindow === null) ? null : sum((t) => t.overWindow ?? 0),
    references,
    retained,
    recalled,
    families: sumFamilies(items.map((t) => t.families)),
  };
}

export type ByPolicy<T> = Partial<Record<PolicyName, T>>;

/** Each policy's totals over all sessions, in the order the policies were run. */
export function totalsByPolicy(
  policies: readonly PolicyName[],
  sessions: readonly { readonly policies: ByPolicy<PolicyTotals> }[],
): ByPolicy<PolicyTotals> {
  return Object.fromEntries(
    policies.map((name) => [name, sumTotals(sessions.flatMap((s) => s.policies[name] ?? []))]),
  );
}
