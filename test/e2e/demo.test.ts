import { expect, test } from "bun:test";
import { compareStockAndEndless } from "../../demo/compare.ts";

test(
  "on the demo session Endless sends at most 40% of stock opencode's input tokens, over the same requests",
  async () => {
    const result = await compareStockAndEndless();
    expect(result.toolCalls).toBeGreaterThanOrEqual(40);
    expect(result.endless.requests).toBe(result.stock.requests);
    expect(result.ratio).toBeLessThanOrEqual(0.4);
    expect(result.endless.peakInputTokens).toBeLessThan(result.stock.peakInputTokens / 2);
  },
  300_000,
);
