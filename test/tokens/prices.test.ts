import { expect, test } from "bun:test";
import { dollars, listPrice } from "../../src/tokens/prices.ts";

test("a model's list price is found by the longest known prefix of its id, with or without the provider", () => {
  expect(listPrice("anthropic/claude-opus-4-5-20251101")?.key).toBe("claude-opus-4-5");
  expect(listPrice("claude-opus-4-1")?.key).toBe("claude-opus-4");
  expect(listPrice("mock/claude-sonnet-mock")?.price.input).toBe(3);
  expect(listPrice("openai/gpt-5-mini")?.key).toBe("gpt-5-mini");
  expect(listPrice("local/llama-3")).toBeUndefined();
  expect(dollars(2_000_000, 0.3)).toBeCloseTo(0.6, 10);
});
