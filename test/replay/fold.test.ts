import { describe, expect, test } from "bun:test";
import { defaultPolicyConfig, EndlessOptions } from "../../src/config/schema.ts";
import type { Session } from "../../src/replay/importers/model.ts";
import { POLICIES, type Policy } from "../../src/replay/policies/index.ts";
import { replayPolicy } from "../../src/replay/replay.ts";
import { planRequests, TokenCache } from "../../src/replay/requests.ts";
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

  test("the policy weighs only the calls the fold leaves, as the plugin shapes only what it sends", async () => {
    const tokens = new TokenCache();
    const plan = planRequests(longSession(), tokens);
    const endless = POLICIES.endless.create({ config: defaultPolicyConfig() });
    const given: string[][] = [];
    const spy: Policy = {
      shape: (request) => {
        given.push(request.calls.map((c) => c.callID));
        return endless.shape(request);
      },
    };
    await replayPolicy({ plan, references: [], policy: spy, tokens, fold: { usable: 8_000, options: EndlessOptions.parse({}).fold } });
    expect(given).toHaveLength(plan.requests.length);
    let left = 0;
    plan.requests.forEach((request, i) => {
      const all = request.calls.map((c) => c.callID);
      const dropped = all.length - given[i]!.length;
      // The oldest calls go, never a newer one, and a call once left out stays out.
      expect(given[i]).toEqual(all.slice(dropped));
      expect(dropped).toBeGreaterThanOrEqual(left);
      left = dropped;
    });
    expect(left).toBeGreaterThan(20);
  });
});
