import { describe, expect, test } from "bun:test";
import { commonPrefixTokens, costOfRequest, totalsOf } from "../../src/replay/cache-model.ts";

const seg = (key: string, tokens: number) => ({ key, tokens });

describe("bench.cache-model", () => {
  test("the cached part is the common segment prefix with the previous request", () => {
    const previous = [seg("u0", 5), seg("i:c1", 2), seg("o:c1", 100)];
    expect(commonPrefixTokens(previous, [...previous, seg("a1", 2)])).toBe(107);
    expect(commonPrefixTokens(previous, [seg("u0", 5), seg("i:c1", 2), seg("o:c1#0", 1)])).toBe(7);
    expect(commonPrefixTokens([], previous)).toBe(0);
  });

  test("cost: cached tokens at 0.1x, the rest written at 1.25x, of $3 per million", () => {
    // 1,000 cached at $0.30/M plus 9,000 written at $3.75/M.
    expect(costOfRequest({ tokens: 10_000, cached: 1_000, toolOutput: 0 })).toBeCloseTo(0.0003 + 0.03375, 12);
  });

  test("totals: sums, peak, cold-cache cost and cache breaks worked out by hand", () => {
    const totals = totalsOf([
      { tokens: 5, cached: 0, toolOutput: 0 },
      { tokens: 107, cached: 5, toolOutput: 100 },
      { tokens: 62, cached: 7, toolOutput: 51 }, // shorter prefix than the whole previous request: a break
      { tokens: 70, cached: 62, toolOutput: 51 },
    ]);
    expect(totals.inputTokens).toBe(244);
    expect(totals.cachedTokens).toBe(74);
    expect(totals.peakTokens).toBe(107);
    expect(totals.toolOutputTokens).toBe(202);
    expect(totals.cacheBreaks).toBe(1);
    expect(totals.costUSD).toBeCloseTo((74 * 0.3 + 170 * 3.75) / 1e6, 12);
    expect(totals.costNoCacheUSD).toBeCloseTo((244 * 3) / 1e6, 12);
  });
});
