import { describe, expect, test } from "bun:test";
import { anthropicClear, maskLast5, opencodePrune } from "../../src/replay/policies/baselines.ts";
import type { Policy, PolicyRequest } from "../../src/replay/policies/index.ts";
import type { ReplayCall } from "../../src/replay/requests.ts";
import { defaultPolicyConfig } from "../../src/config/schema.ts";

const call = (index: number, tokens: number, turn = 0, tool = "read", output = "a\nb"): ReplayCall => ({
  callID: `c${index}`,
  tool,
  input: {},
  output,
  index,
  turn,
  tokens,
  gapTokens: 0,
});
const request = (calls: ReplayCall[], turn = 0, rawTokens = 1000): PolicyRequest => ({ sessionID: "s", turn, requests: calls.length + 1, rawTokens, calls });
const config = defaultPolicyConfig();
/** What a baseline sends in place of outputs (baselines never change inputs). */
const shaped = async (policy: Policy, req: PolicyRequest) => {
  const renders = await policy.shape(req);
  expect(renders.inputs).toBeUndefined();
  return renders.outputs;
};

describe("bench.policies.anthropic-clear", () => {
  const policy = anthropicClear.create({ config });
  const calls = [0, 1, 2, 3, 4].map((i) => call(i, 100));

  test("does nothing up to 100k input tokens", async () => {
    expect((await shaped(policy, request(calls, 0, 100_000))).size).toBe(0);
  });

  test("above 100k clears every tool result but the newest 3", async () => {
    const renders = await shaped(policy, request(calls, 0, 100_001));
    expect([...renders]).toEqual([
      ["c0", "[tool result cleared]"],
      ["c1", "[tool result cleared]"],
    ]);
  });
});

describe("bench.policies.mask-last-5", () => {
  test("masks every output but the newest 5 with SWE-agent's placeholder", async () => {
    const policy = maskLast5.create({ config });
    const renders = await shaped(policy, request([0, 1, 2, 3, 4, 5, 6].map((i) => call(i, 10))));
    expect([...renders.keys()]).toEqual(["c0", "c1"]);
    expect(renders.get("c0")).toBe("Old environment output: (2 lines omitted)");
  });
});

describe("bench.policies.opencode-prune", () => {
  // Prune runs between user turns and never touches the last two turns.
  const calls = (oldest: number) => [call(0, oldest, 0), call(1, 30_000, 0), call(2, 50_000, 1), call(3, 10_000, 2)];

  test("at a turn boundary, clears what lies beyond 40k protected tokens when that frees more than 20k", async () => {
    const policy = opencodePrune.create({ config });
    expect((await shaped(policy, request(calls(30_000), 2))).size).toBe(0);
    // Turn 2 ended: turns 2 and 1 are protected; in turn 0, c1 fills 30k of the 40k, c0 (30k) goes.
    const renders = await shaped(policy, request(calls(30_000), 3));
    expect([...renders]).toEqual([["c0", "[Old tool result content cleared]"]]);
    // Cleared calls stay cleared within the turn.
    expect([...(await shaped(policy, request(calls(30_000), 3))).keys()]).toEqual(["c0"]);
  });

  test("keeps everything when no more than 20k would be freed", async () => {
    const policy = opencodePrune.create({ config });
    await shaped(policy, request(calls(15_000), 2));
    expect((await shaped(policy, request(calls(15_000), 3))).size).toBe(0);
  });

  test("never prunes skill outputs", async () => {
    const policy = opencodePrune.create({ config });
    const withSkill = [call(0, 30_000, 0, "skill"), call(1, 30_000, 0), call(2, 50_000, 1), call(3, 10_000, 2)];
    await shaped(policy, request(withSkill, 2));
    expect((await shaped(policy, request(withSkill, 3))).size).toBe(0);
  });
});
