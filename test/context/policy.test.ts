import { describe, expect, test } from "bun:test";
import { defaultPolicyConfig, type PolicyConfig } from "../../src/config/schema.ts";
import { CACHE_PRICE, compressibleParts, PAYBACK_CONFIDENCE, type PartInfo, paysBack, planBatch } from "../../src/context/policy.ts";
import { randomCalls } from "../fake/random-session.ts";

/** A call the policy may compress at all: either half is. */
function isCompressible(part: PartInfo, config: PolicyConfig): boolean {
  const halves = compressibleParts(part, config);
  return halves.output || halves.input;
}

/** What the policy weighs a call by: the tokens of each half that is compressible. */
function compressibleTokens(part: PartInfo, config: PolicyConfig): number {
  const halves = compressibleParts(part, config);
  return (halves.output ? part.tokens : 0) + (halves.input ? (part.inputTokens ?? 0) : 0);
}

const config = (over: Partial<PolicyConfig> = {}): PolicyConfig => ({ ...defaultPolicyConfig(), ...over });
const part = (i: number, tokens: number, tool = "bash"): PartInfo => ({ callID: `c${i}`, tool, tokens });

describe("planBatch", () => {
  test("does nothing while waiting tokens stay at or under the high-water mark", () => {
    const parts = [part(1, 4000), part(2, 4000), part(3, 4000), part(4, 100_000), part(5, 1), part(6, 1)];
    // c5 and c6 are below minTokens, so the newest three compressible are c2..c4 and only c1 waits.
    const cfg = config({ keepLast: 3, highWaterTokens: 4000, minTokens: 10 });
    expect(planBatch(parts, new Set(), cfg)).toEqual([]);
  });

  test("never compresses an output the model has not read yet, however many tokens wait", () => {
    const parts = [1, 2, 3, 4, 5].map((i) => part(i, 5000));
    const cfg = config({ keepLast: 0, highWaterTokens: 1000 });
    // c4 and c5 are new in this request: only c1..c3 have been read.
    expect(planBatch(parts, new Set(), cfg, new Set(["c4", "c5"]))).toEqual(["c1", "c2", "c3"]);
    expect(planBatch(parts, new Set(), cfg, new Set(parts.map((p) => p.callID)))).toEqual([]);
  });

  test("unseen outputs count toward the high-water mark, so a large new output moves the frontier", () => {
    const cfg = config({ keepLast: 1, highWaterTokens: 8000 });
    const unseen = new Set(["c3", "c4"]);
    // The read outputs c1 and c2 wait with 6000 tokens; c3 and c4 are new in this request.
    const small = [part(1, 3000), part(2, 3000), part(3, 1000), part(4, 500)];
    expect(planBatch(small, new Set(), cfg, unseen)).toEqual([]);
    const large = [part(1, 3000), part(2, 3000), part(3, 20_000), part(4, 500)];
    expect(planBatch(large, new Set(), cfg, unseen)).toEqual(["c1", "c2"]);
  });

  test("no batch when it would free less than a quarter of the high-water mark", () => {
    const parts = [part(1, 1500), part(2, 30_000), part(3, 500)];
    const cfg = config({ keepLast: 1, highWaterTokens: 8000 });
    expect(planBatch(parts, new Set(), cfg, new Set(["c2", "c3"]))).toEqual([]);
    expect(planBatch([part(0, 1000), ...parts], new Set(), cfg, new Set(["c2", "c3"]))).toEqual(["c0", "c1"]);
  });

  test("compresses oldest first down to the low-water mark once the high-water mark is passed", () => {
    const parts = [1, 2, 3, 4, 5, 6, 7].map((i) => part(i, 1000));
    const cfg = config({ keepLast: 2, highWaterTokens: 3500, lowWaterTokens: 1500 });
    // c1..c5 wait (5000 > 3500); compressing oldest first leaves 4000, 3000, 2000, then 1000 <= 1500.
    expect(planBatch(parts, new Set(), cfg)).toEqual(["c1", "c2", "c3", "c4"]);
  });

  test("never touches the newest keepLast outputs, excluded tools, or already compressed calls", () => {
    const parts = [part(1, 9000), part(2, 9000, "recall"), part(3, 9000), part(4, 9000), part(5, 9000)];
    const batch = planBatch(parts, new Set(["c1"]), config({ keepLast: 2, highWaterTokens: 1000 }));
    expect(batch).toEqual(["c3"]);
  });

  test("per-tool overrides switch compression off or change the size floor", () => {
    const cfg = config({ tools: { bash: { compress: false }, read: { minTokens: 5000 } } });
    expect(isCompressible(part(1, 99_999, "bash"), cfg)).toBe(false);
    expect(isCompressible(part(2, 4999, "read"), cfg)).toBe(false);
    expect(isCompressible(part(3, 5000, "read"), cfg)).toBe(true);
    expect(isCompressible(part(4, 149, "grep"), cfg)).toBe(false);
  });

  test("property: after a batch the waiting tokens are within the low-water mark and the tail is raw", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const calls = randomCalls(seed, 60);
      const cfg = config({ keepLast: 1 + (seed % 5), highWaterTokens: 2000 + (seed % 7) * 1000, lowWaterTokens: (seed % 3) * 500 });
      const compressed = new Set<string>();
      for (let n = 1; n <= calls.length; n++) {
        const visible = calls.slice(0, n);
        for (const id of planBatch(visible, compressed, cfg)) compressed.add(id);
        const candidates = visible.filter((c) => isCompressible(c, cfg));
        const tail = candidates.slice(-cfg.keepLast);
        for (const c of tail) expect(compressed.has(c.callID)).toBe(false);
        const waiting = candidates
          .slice(0, Math.max(0, candidates.length - cfg.keepLast))
          .filter((c) => !compressed.has(c.callID))
          .reduce((s, c) => s + c.tokens, 0);
        expect(waiting).toBeLessThanOrEqual(cfg.highWaterTokens);
        for (const c of visible) if (!isCompressible(c, cfg)) expect(compressed.has(c.callID)).toBe(false);
      }
    }
  });
});

describe("planBatch with tool inputs", () => {
  /** A call with a small output and a bulky input (a write), or any mix. */
  const io = (i: number, tokens: number, inputTokens: number, tool = "write"): PartInfo => ({ callID: `c${i}`, tool, tokens, inputTokens });

  test("each half counts against minTokens on its own, and only with compressInputs", () => {
    const cfg = config({ minTokens: 150 });
    expect(compressibleParts(io(1, 10, 2000), cfg)).toEqual({ output: false, input: true });
    expect(compressibleParts(io(2, 400, 100), cfg)).toEqual({ output: true, input: false });
    expect(compressibleTokens(io(3, 400, 2000), cfg)).toBe(2400);
    expect(compressibleTokens(io(4, 10, 2000), cfg)).toBe(2000);
    expect(compressibleParts(io(5, 10, 2000), config({ compressInputs: false }))).toEqual({ output: false, input: false });
    expect(compressibleParts(io(6, 400, 2000, "todowrite"), cfg)).toEqual({ output: false, input: false });
    expect(compressibleParts(io(7, 400, 2000), config({ tools: { write: { compress: false } } }))).toEqual({ output: false, input: false });
    expect(compressibleParts(io(8, 10, 2000), config({ tools: { write: { minTokens: 5000 } } }))).toEqual({ output: false, input: false });
  });

  test("raw input tokens move the frontier like output tokens, and the batch includes the calls that carry them", () => {
    const cfg = config({ keepLast: 1, highWaterTokens: 4000 });
    const parts = [io(1, 10, 3000), io(2, 10, 3000), part(3, 500), part(4, 800)];
    expect(planBatch(parts, new Set(), cfg)).toEqual(["c1", "c2", "c3"]);
    expect(planBatch(parts, new Set(), config({ keepLast: 1, highWaterTokens: 4000, compressInputs: false }))).toEqual([]);
  });

  test("a big input newer than the newest keepLast outputs stays raw and does not push them out of the tail", () => {
    const cfg = config({ keepLast: 1, highWaterTokens: 1000 });
    // c2 is the newest compressible output: it and the write after it form the tail.
    const parts = [part(1, 3000), part(2, 3000), io(3, 10, 3000)];
    expect(planBatch(parts, new Set(), cfg)).toEqual(["c1"]);
  });

  test("with fewer compressible outputs than keepLast, the newest compressible calls form the tail", () => {
    const cfg = config({ keepLast: 1, highWaterTokens: 1000 });
    const writes = [io(1, 10, 3000), io(2, 10, 3000), io(3, 10, 3000)];
    expect(planBatch(writes, new Set(), cfg)).toEqual(["c1", "c2"]);
  });

  test("property: the tail is raw, waiting tokens stay within the high-water mark, nothing incompressible is compressed", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const calls = randomCalls(seed, 60).map((c, i) => ({ ...c, inputTokens: (i * seed) % 4 === 0 ? 100 + ((i * 97) % 3000) : 0 }));
      const cfg = config({ keepLast: 1 + (seed % 3), highWaterTokens: 2000 + (seed % 5) * 1000 });
      const compressed = new Set<string>();
      for (let n = 1; n <= calls.length; n++) {
        const visible = calls.slice(0, n);
        for (const id of planBatch(visible, compressed, cfg)) compressed.add(id);
        const withOutput = visible.filter((c) => compressibleParts(c, cfg).output);
        const anyHalf = visible.filter((c) => isCompressible(c, cfg));
        const oldestKept = (withOutput.length >= cfg.keepLast ? withOutput : anyHalf).at(-cfg.keepLast);
        const tail = oldestKept === undefined ? visible : visible.slice(visible.indexOf(oldestKept));
        for (const c of tail) expect(compressed.has(c.callID)).toBe(false);
        const waiting = visible
          .filter((c) => !tail.includes(c) && !compressed.has(c.callID))
          .reduce((sum, c) => sum + compressibleTokens(c, cfg), 0);
        expect(waiting).toBeLessThanOrEqual(cfg.highWaterTokens);
        for (const c of visible) if (!isCompressible(c, cfg)) expect(compressed.has(c.callID)).toBe(false);
      }
    }
  });
});

describe("paysBack", () => {
  test("weighs the rewrite against what later requests save, counting on a third of the session so far", () => {
    // Freeing 3,500 of 10,500 cached tokens: the rewrite costs 1.25 * 7,000 - 0.1 * 10,500 = 7,700 token-prices;
    // each later request saves 0.1 * 3,500 = 350, so it pays back after 22 requests. A session that has had t
    // requests has at least t / 3 more with probability 3/4 (Gott): 66 requests so far are needed.
    const effect = { freed: 3500, rewritten: 10_500 };
    expect(CACHE_PRICE.write * 7000 - CACHE_PRICE.read * 10_500).toBeCloseTo(7700, 6);
    expect(PAYBACK_CONFIDENCE).toBe(0.75);
    expect(paysBack({ ...effect, requests: 65 })).toBe(false);
    expect(paysBack({ ...effect, requests: 66 })).toBe(true);
  });

  test("a batch that frees nearly everything it rewrites pays back at once; one that frees nothing never does", () => {
    expect(paysBack({ freed: 9000, rewritten: 10_000, requests: 1 })).toBe(true);
    expect(paysBack({ freed: 0, rewritten: 10_000, requests: 10_000 })).toBe(false);
  });
});
