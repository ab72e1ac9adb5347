import { describe, expect, test } from "bun:test";
import { policyTotals, sumTotals } from "../../src/replay/metrics.ts";

describe("bench.metrics.sumTotals", () => {
  const a = policyTotals({
    requests: [
      { tokens: 10, cached: 0, toolOutput: 4 },
      { tokens: 20, cached: 10, toolOutput: 8 },
    ],
    references: 3,
    retained: 3,
    recalled: 3,
    ms: 2,
    families: { read: { calls: 2, rawTokens: 30, compressed: 1, compressedRawTokens: 20, sentTokens: 4 } },
  });
  const b = policyTotals({
    requests: [{ tokens: 50, cached: 0, toolOutput: 40 }],
    references: 1,
    retained: 0,
    recalled: 0,
    ms: 5,
    families: {
      read: { calls: 1, rawTokens: 10, compressed: 1, compressedRawTokens: 10, sentTokens: 2 },
      bash: { calls: 1, rawTokens: 5, compressed: 0, compressedRawTokens: 0, sentTokens: 0 },
    },
  });

  test("adds tokens, costs, breaks and time; takes the largest peak; pools shares over references", () => {
    const total = sumTotals([a, b]);
    expect(total.inputTokens).toBe(80);
    expect(total.cachedTokens).toBe(10);
    expect(total.toolOutputTokens).toBe(52);
    expect(total.peakTokens).toBe(50);
    expect(total.costUSD).toBeCloseTo((10 * 0.3 + 70 * 3.75) / 1e6, 12);
    expect(total.costNoCacheUSD).toBeCloseTo((80 * 3) / 1e6, 12);
    expect(total.retention).toBe(3 / 4);
    expect(total.recallable).toBe(3 / 4);
    expect(total.ms).toBe(7);
    expect(total.families).toEqual({
      read: { calls: 3, rawTokens: 40, compressed: 2, compressedRawTokens: 30, sentTokens: 6 },
      bash: { calls: 1, rawTokens: 5, compressed: 0, compressedRawTokens: 0, sentTokens: 0 },
    });
  });

  test("a policy without recall reports null, and no references means no share", () => {
    const none = policyTotals({ requests: [], references: 0, retained: 0, recalled: null, ms: 0, families: {} });
    expect(none.retention).toBeNull();
    expect(none.recallable).toBeNull();
    expect(sumTotals([a, none]).recallable).toBeNull();
  });
});
