import { describe, expect, test } from "bun:test";
import { usableInputTokens } from "../../src/tokens/window.ts";

describe("the usable window", () => {
  test("usable window mirrors opencode's overflow threshold", () => {
    expect(usableInputTokens({ context: 200_000, output: 64_000 })).toBe(168_000); // reserve capped at 32k
    expect(usableInputTokens({ context: 200_000, output: 8_192 })).toBe(191_808);
    expect(usableInputTokens({ context: 1_000_000, output: 128_000 })).toBe(968_000);
    expect(usableInputTokens({ context: 400_000, output: 128_000, input: 272_000 })).toBe(252_000); // input limit: reserve min(20k, 32k)
    expect(usableInputTokens({ context: 0, output: 0 })).toBeUndefined();
    expect(usableInputTokens(undefined)).toBeUndefined();
  });
});
