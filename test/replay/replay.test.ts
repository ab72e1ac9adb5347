import { describe, expect, test } from "bun:test";
import { findReferences } from "../../src/replay/facts.ts";
import { policyTotals } from "../../src/replay/metrics.ts";
import { none } from "../../src/replay/policies/baselines.ts";
import { endless } from "../../src/replay/policies/endless.ts";
import type { Policy } from "../../src/replay/policies/index.ts";
import { RecallProbe } from "../../src/replay/recallable.ts";
import { replayPolicy } from "../../src/replay/replay.ts";
import { planRequests, TokenCache } from "../../src/replay/requests.ts";
import { defaultPolicyConfig } from "../../src/config/schema.ts";
import type { Session } from "../../src/replay/importers/model.ts";

// One token per character, so every count below can be checked by hand.
const chars = () => new TokenCache((text) => text.length);

const C1_OUTPUT = `divide_safely ${"x".repeat(86)}`; // 100 characters
const session: Session = {
  id: "hand",
  name: "hand",
  source: "opencode",
  file: "hand.json",
  system: "",
  turns: [
    {
      user: "hello", // 5
      steps: [
        { text: "", calls: [{ callID: "c1", tool: "read", input: {}, output: C1_OUTPUT }] }, // input "{}": 2
        { text: "ok", calls: [{ callID: "c2", tool: "read", input: {}, output: "y".repeat(50) }] },
        { text: "fixed divide_safely", calls: [] },
      ],
    },
  ],
};

/** Sends c1 as "Z" from the third request on. */
const clearFirstLate = (): Policy => {
  let request = 0;
  return { shape: async () => ({ outputs: request++ >= 2 ? new Map([["c1", "Z"]]) : new Map() }) };
};

async function replay(policy: Policy) {
  const tokens = chars();
  const plan = planRequests(session, tokens);
  const references = findReferences(session);
  return { plan, references, run: await replayPolicy({ plan, references, policy, tokens }) };
}

describe("bench.replay", () => {
  test("rebuilds each request as everything before its step", async () => {
    const { plan } = await replay(none.create({ config: defaultPolicyConfig() }));
    expect(plan.requests.map((r) => r.segments.slice(0, r.length).map((s) => s.key))).toEqual([
      ["u0"],
      ["u0", "i:c1", "o:c1"],
      ["u0", "i:c1", "o:c1", "a1", "i:c2", "o:c2"],
    ]);
  });

  test("none: every request raw, each one a cache hit on the whole previous one", async () => {
    const { run } = await replay(none.create({ config: defaultPolicyConfig() }));
    // Requests: 5, 5+2+100 = 107, 107+2+2+50 = 161; cached: 0, 5, 107.
    expect(run.requests).toEqual([
      { tokens: 5, cached: 0, toolOutput: 0 },
      { tokens: 107, cached: 5, toolOutput: 100 },
      { tokens: 161, cached: 107, toolOutput: 150 },
    ]);
    const totals = policyTotals({ ...run, recalled: null });
    expect(totals.inputTokens).toBe(273);
    expect(totals.peakTokens).toBe(161);
    expect(totals.cacheBreaks).toBe(0);
    expect(totals.costUSD).toBeCloseTo((112 * 0.3 + 161 * 3.75) / 1e6, 12);
    expect(totals.costNoCacheUSD).toBeCloseTo((273 * 3) / 1e6, 12);
    expect(run.references).toBe(1);
    expect(totals.retention).toBe(1);
  });

  test("a render that changes an early output breaks the cache prefix there and loses its facts", async () => {
    const { run } = await replay(clearFirstLate());
    // Third request: 5 + 2 + "Z" 1 + 2 + 2 + 50 = 62, cached only up to c1's input: 7.
    expect(run.requests[2]).toEqual({ tokens: 62, cached: 7, toolOutput: 51 });
    const totals = policyTotals({ ...run, recalled: null });
    expect(totals.inputTokens).toBe(174);
    expect(totals.peakTokens).toBe(107);
    expect(totals.cacheBreaks).toBe(1);
    expect(totals.costUSD).toBeCloseTo((12 * 0.3 + 162 * 3.75) / 1e6, 12);
    // "divide_safely" was only in c1's output, now "Z", when the agent wrote it.
    expect(totals.retention).toBe(0);
    // Per family: both reads counted, c1 replaced (100 raw tokens sent as 1), c2 never.
    expect(run.families).toEqual({ read: { calls: 2, rawTokens: 150, compressed: 1, compressedRawTokens: 100, sentTokens: 1 } });
  });

  test("a render identical to the raw output is the same bytes: no cache break, same cost as none", async () => {
    const same = await replay({ shape: async () => ({ outputs: new Map([["c1", C1_OUTPUT]]) }) });
    const raw = await replay(none.create({ config: defaultPolicyConfig() }));
    const sameTotals = policyTotals({ ...same.run, recalled: null });
    expect(sameTotals.cacheBreaks).toBe(0);
    expect(sameTotals.costUSD).toBe(policyTotals({ ...raw.run, recalled: null }).costUSD);
    expect(same.run.families.read?.compressed).toBe(0);
  });

  test("an observation that keeps the fact keeps the reference in context", async () => {
    const { run } = await replay({ shape: async () => ({ outputs: new Map([["c1", "read: divide_safely"]]) }) });
    expect(run.retained).toBe(1);
  });
});

describe("bench.replay of inputs", () => {
  test("a rendered input replaces its input segment, with its own key, and breaks the cache prefix there", async () => {
    let request = 0;
    const policy: Policy = { shape: async () => ({ outputs: new Map(), inputs: request++ >= 2 ? new Map([["c1", "{}!"]]) : new Map() }) };
    const { plan, run } = await replay(policy);
    expect(plan.requests[1]!.segments.find((s) => s.key === "i:c1")!.call!.callID).toBe("c1");
    // Third request: 5 + "{}!" 3 + 100 + 2 + 2 + 50 = 162, cached only up to the user text: 5.
    expect(run.requests[2]).toEqual({ tokens: 162, cached: 5, toolOutput: 150 });
  });

  test("endless: an old Write's content is sent as a stand-in after a batch, and the cost drops", async () => {
    const content = Array.from({ length: 400 }, (_, i) => `export const value${i} = compute(${i});`).join("\n");
    const big = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag} ${i} some output text`).join("\n");
    const write: Session = {
      id: "write", name: "write", source: "claude-code", file: "write.jsonl", system: "",
      turns: [{
        user: "write it",
        steps: [
          { text: "", calls: [{ callID: "w", tool: "Write", input: { file_path: "/p/a.ts", content }, output: "File created successfully" }] },
          ...["b1", "b2", "b3", "b4"].map((id) => ({ text: "", calls: [{ callID: id, tool: "Bash", input: { command: id }, output: big(id) }] })),
          { text: "done", calls: [] },
        ],
      }],
    };
    /** Replays the session under endless, noting what each request sent as the Write's input. */
    const run = async (compressInputs: boolean) => {
      const tokens = new TokenCache();
      const inner = endless.create({ config: { ...defaultPolicyConfig(), highWaterTokens: 2000, compressInputs } });
      const sent: string[] = [];
      const policy: Policy = {
        shape: async (request) => {
          const renders = await inner.shape(request);
          sent.push(renders.inputs?.get("w") ?? "raw");
          return renders;
        },
      };
      const replayed = await replayPolicy({ plan: planRequests(write, tokens), references: [], policy, tokens });
      return { sent, totals: policyTotals({ ...replayed, recalled: null }) };
    };
    const on = await run(true);
    const off = await run(false);
    expect(off.sent.every((s) => s === "raw")).toBe(true);
    const elided = on.sent.filter((s) => s !== "raw");
    expect(elided.length).toBeGreaterThan(0);
    expect(new Set(elided).size).toBe(1);
    expect(JSON.parse(elided[0]!)).toEqual({ file_path: "/p/a.ts", content: expect.stringContaining('recall({"id":"w","part":"input"})') });
    expect(on.totals.inputTokens).toBeLessThan(off.totals.inputTokens);
    expect(on.totals.costNoCacheUSD).toBeLessThan(off.totals.costNoCacheUSD);
  });
});

describe("bench.RecallProbe", () => {
  test("finds a reference through the recall tool's search in the call it first appeared in", () => {
    const probe = new RecallProbe();
    try {
      const plan = planRequests(session, chars());
      expect(probe.countRecallable(plan, findReferences(session))).toBe(1);
    } finally {
      probe.close();
    }
  });

  test("a search that lists only calls with the words but not the text does not count", () => {
    const probe = new RecallProbe();
    try {
      const plan = planRequests(session, chars());
      const [real] = findReferences(session);
      // The same words in another order: FTS5 lists calls with both words, none holds this text.
      const scrambled = { ...real!, fact: real!.fact.split(/[_.]/).reverse().join(" ") };
      expect(probe.countRecallable(plan, [real!])).toBe(1);
      expect(probe.countRecallable(plan, [scrambled])).toBe(0);
    } finally {
      probe.close();
    }
  });

  test("only what was archived by the time of use counts: a fact a failed call held is not found in a later output", () => {
    const later: Session = {
      ...session,
      id: "later",
      turns: [
        {
          user: "hello",
          steps: [
            { text: "", calls: [{ callID: "c1", tool: "read", input: {}, output: C1_OUTPUT, error: true }] },
            { text: "", calls: [{ callID: "c2", tool: "read", input: {}, output: "nothing to see" }] },
            { text: "fixed divide_safely", calls: [{ callID: "c3", tool: "read", input: {}, output: `again divide_safely ${"z".repeat(80)}` }] },
            { text: "done", calls: [] },
          ],
        },
      ],
    };
    const references = findReferences(later);
    expect(references.map((r) => [r.fact, r.useStep])).toContainEqual(["divide_safely", 2]);
    const probe = new RecallProbe();
    try {
      expect(probe.countRecallable(planRequests(later, chars()), references.filter((r) => r.fact === "divide_safely"))).toBe(0);
    } finally {
      probe.close();
    }
  });

  test("a failed call is not archived, so a fact only it held cannot be recalled", () => {
    const failed: Session = {
      ...session,
      id: "failed",
      turns: [{ ...session.turns[0]!, steps: session.turns[0]!.steps.map((s) => ({ ...s, calls: s.calls.map((c) => ({ ...c, error: true })) })) }],
    };
    const probe = new RecallProbe();
    try {
      expect(probe.countRecallable(planRequests(failed, chars()), findReferences(failed))).toBe(0);
    } finally {
      probe.close();
    }
  });
});
