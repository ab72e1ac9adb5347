import { describe, expect, test } from "bun:test";
import { defaultPolicyConfig } from "../../src/config/schema.ts";
import type { Session } from "../../src/replay/importers/model.ts";
import { benchSessions } from "../../src/replay/run.ts";

/** One long turn of bash steps, each output ~1,200 tokens: the whole session is far past an 8,000-token window. */
function longSession(): Session {
  const output = (i: number) => Array.from({ length: 120 }, (_, l) => `step ${i} line ${l}: value=${(i * 7919 + l * 104729) % 1_000_003}`).join("\n");
  return {
    id: "long",
    name: "long",
    source: "opencode",
    file: "long.json",
    system: "You are a coding agent.",
    turns: [
      {
        user: "Make every check pass",
        steps: [
          ...Array.from({ length: 40 }, (_, i) => ({ text: "", calls: [{ callID: `c${i}`, tool: "bash", input: { command: `make check${i}` }, output: output(i) }] })),
          { text: "Done.", calls: [] },
        ],
      },
    ],
  };
}

describe("endless bench --window: folding in the replay", () => {
  test("without a window nothing folds and overWindow is null; with one, endless folds under it while none does not", async () => {
    const config = defaultPolicyConfig();
    const plain = await benchSessions([longSession()], { policies: ["none", "endless"], config });
    expect(plain.policies.none!.overWindow).toBeNull();
    expect(plain.policies.endless!.overWindow).toBeNull();
    const window = 8_000;
    const folded = await benchSessions([longSession()], { policies: ["none", "endless"], config, window });
    expect(folded.window).toBe(window);
    expect(folded.policies.none!.overWindow).toBeGreaterThan(20);
    expect(folded.policies.endless!.overWindow).toBe(0);
    expect(folded.policies.endless!.peakTokens).toBeLessThanOrEqual(window);
    // Folding sends less than observations alone, and the same calls stay recallable.
    expect(folded.policies.endless!.inputTokens).toBeLessThan(plain.policies.endless!.inputTokens);
    // The policies that do not fold have the same figures either way.
    expect(folded.policies.none!.inputTokens).toBe(plain.policies.none!.inputTokens);
  });
});
