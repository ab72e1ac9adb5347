import { describe, expect, test } from "bun:test";
import { defaultPolicyConfig, type PolicyConfig } from "../../src/config/schema.ts";
import { type CallView, elidedInputTokens, shapeContext } from "../../src/context/engine.ts";
import { createMemoryStore } from "../../src/context/memory-store.ts";
import { randomCalls } from "../fake/random-session.ts";

const config = (over: Partial<PolicyConfig> = {}): PolicyConfig => ({ ...defaultPolicyConfig(), ...over });

/**
 * A history long enough that the payback rule lets due batches through: these tests are about what batches
 * do, the rule is tested on its own (policy.test.ts, and below with a short and a long history).
 */
const LONG = 100;

/** Replays a session request by request and returns what each request would send for each call. */
async function replay(calls: CallView[], cfg: PolicyConfig) {
  const store = createMemoryStore();
  const requests: { sent: string[]; batched: boolean }[] = [];
  for (let n = 1; n <= calls.length; n++) {
    const visible = calls.slice(0, n);
    const shaped = await shapeContext({ sessionID: "s", calls: visible, unseen: new Set([calls[n - 1]!.callID]), config: cfg, store, requests: LONG + n });
    requests.push({ sent: visible.map((c) => shaped.renders.get(c.callID) ?? c.output), batched: shaped.batched });
  }
  return requests;
}

describe("shapeContext", () => {
  test("requests between two batches send byte-identical earlier outputs (the cache prefix holds)", async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const requests = await replay(randomCalls(seed, 50), config({ highWaterTokens: 3000, keepLast: 2 }));
      let batches = 0;
      for (let k = 1; k < requests.length; k++) {
        const { sent, batched } = requests[k]!;
        if (batched) {
          batches++;
          continue;
        }
        const previous = requests[k - 1]!.sent;
        expect(sent.slice(0, previous.length)).toEqual(previous);
      }
      expect(batches).toBeGreaterThan(0);
    }
  });

  test("is deterministic: the same session replays to the same requests", async () => {
    const calls = randomCalls(7, 40);
    const cfg = config({ highWaterTokens: 2500 });
    expect(await replay(calls, cfg)).toEqual(await replay(calls, cfg));
  });

  test("compressed outputs end with a recall handle naming their call", async () => {
    const calls = randomCalls(3, 40);
    const requests = await replay(calls, config({ highWaterTokens: 2000 }));
    const last = requests.at(-1)!.sent;
    const compressed = last.filter((text, i) => text !== calls[i]!.output);
    expect(compressed.length).toBeGreaterThan(0);
    last.forEach((text, i) => {
      if (text !== calls[i]!.output) expect(text).toContain(calls[i]!.callID);
    });
  });

  test("an older copy of a repeated command collapses to a pointer to the newer call", async () => {
    const big = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag} ${i} some output text here`).join("\n");
    const call = (id: string, command: string, output: string): CallView => ({
      callID: id, tool: "bash", input: { command }, output, tokens: Math.ceil(output.length / 4),
    });
    const calls = [call("a", "npm test", big("first")), call("b", "ls", big("ls")), call("c", "npm test", big("second")),
      call("d", "x", big("x")), call("e", "y", big("y")), call("f", "z", big("z"))];
    const store = createMemoryStore();
    const shaped = await shapeContext({ sessionID: "s", calls, unseen: new Set(), config: config({ highWaterTokens: 1000, keepLast: 2 }), store, requests: LONG });
    expect(shaped.batched).toBe(true);
    expect(shaped.renders.get("a")).toContain("superseded by the newer bash call c");
    expect(shaped.renders.get("b")).not.toContain("superseded");
    expect(shaped.renders.has("e")).toBe(false);
  });

  test("a due batch that cannot pay back its cache rewrite in a short history waits; the same batch in a long one is made", async () => {
    const big = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag} ${i} some output text here`).join("\n");
    const call = (id: string, gapTokens: number): CallView => ({
      callID: id, tool: "bash", input: { command: id }, output: big(id), tokens: 2000, gapTokens,
    });
    // Each output has 6,000 tokens of text and inputs before it: compressing a, b and c rewrites far more than it frees.
    const calls = ["a", "b", "c", "d"].map((id) => call(id, 6000));
    const cfg = config({ highWaterTokens: 1000, keepLast: 1 });
    const short = await shapeContext({ sessionID: "s", calls, unseen: new Set(["d"]), config: cfg, store: createMemoryStore(), requests: 4 });
    expect(short.batched).toBe(false);
    expect(short.batchFailed).toBeUndefined();
    expect(short.renders.size).toBe(0);
    const long = await shapeContext({ sessionID: "s", calls, unseen: new Set(["d"]), config: cfg, store: createMemoryStore(), requests: 400 });
    expect(long.batched).toBe(true);
    expect([...long.renders.keys()]).toEqual(["a", "b", "c"]);
  });

  test("frontier state survives a new store instance only through the store (nothing global)", async () => {
    const calls = randomCalls(11, 30);
    const cfg = config({ highWaterTokens: 2000 });
    const a = await shapeContext({ sessionID: "s", calls, unseen: new Set(), config: cfg, store: createMemoryStore(), requests: LONG });
    const b = await shapeContext({ sessionID: "s", calls, unseen: new Set(), config: cfg, store: createMemoryStore(), requests: LONG });
    expect([...a.renders]).toEqual([...b.renders]);
    expect(a.batch).toBe(1);
  });
});

describe("shapeContext on short outputs", () => {
  test("sends an output unchanged when its observation would not be smaller", async () => {
    const short = (id: string): CallView => ({ callID: id, tool: "bash", input: { command: id }, output: `${id}\n`.repeat(30), tokens: 400 });
    const calls = ["a", "b", "c", "d", "e"].map(short);
    const shaped = await shapeContext({ sessionID: "s", calls, unseen: new Set(), config: config({ highWaterTokens: 500, keepLast: 1 }), store: createMemoryStore(), requests: calls.length });
    expect(shaped.batched).toBe(true);
    expect(shaped.renders.get("a")).toBe(calls[0]!.output);
  });
});

describe("shapeContext and outputs the model has not read", () => {
  const big = (id: string): CallView => {
    const output = Array.from({ length: 300 }, (_, i) => `${id} row ${i} of the output`).join("\n");
    return { callID: id, tool: "bash", input: { command: id }, output, tokens: 2000 };
  };

  test("outputs the model has not read go raw even with keepLast 0; a later batch compresses them", async () => {
    const store = createMemoryStore();
    const cfg = config({ keepLast: 0, highWaterTokens: 1000 });
    const first = [big("a"), big("b")];
    const one = await shapeContext({ sessionID: "s", calls: first, unseen: new Set(["a", "b"]), config: cfg, store, requests: first.length });
    expect(one.renders.size).toBe(0);
    const next = [...first, big("c"), big("d"), big("e")];
    const two = await shapeContext({ sessionID: "s", calls: next, unseen: new Set(["c", "d", "e"]), config: cfg, store, requests: next.length });
    expect(two.batched).toBe(true);
    expect([...two.renders.keys()]).toEqual(["a", "b"]);
    const three = await shapeContext({ sessionID: "s", calls: [...next, big("f")], unseen: new Set(["f"]), config: cfg, store, requests: next.length + 1 });
    expect(three.batched).toBe(true);
    for (const id of ["c", "d", "e"]) expect(three.renders.get(id)).toContain(`recall({"id":"${id}"})`);
    expect(three.renders.has("f")).toBe(false);
  });
});

describe("shapeContext and tool inputs", () => {
  const lines = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag} line ${i}: const value${i} = compute(${i});`).join("\n");
  const chars4 = (text: string) => Math.ceil(text.length / 4);
  const write = (id: string, n = 200): CallView => {
    const input = { content: lines(id, n), filePath: `/p/${id}.ts` };
    return { callID: id, tool: "write", input, output: "Wrote file successfully.", tokens: 5, inputTokens: elidedInputTokens(id, input, chars4) };
  };
  const bash = (id: string, n = 300): CallView => {
    const output = lines(id, n);
    return { callID: id, tool: "bash", input: { command: id }, output, tokens: chars4(output) };
  };

  /** What each request sends for each call: [input JSON, output]. */
  async function replayInputs(calls: CallView[], cfg: PolicyConfig, store = createMemoryStore()) {
    const requests: { sent: [string, string][]; batched: boolean }[] = [];
    for (let n = 1; n <= calls.length; n++) {
      const visible = calls.slice(0, n);
      const shaped = await shapeContext({ sessionID: "s", calls: visible, unseen: new Set([calls[n - 1]!.callID]), config: cfg, store, requests: n });
      const sent = visible.map((c): [string, string] => [shaped.inputs.get(c.callID) ?? JSON.stringify(c.input), shaped.renders.get(c.callID) ?? c.output]);
      requests.push({ sent, batched: shaped.batched });
    }
    return requests;
  }

  test("an old write's content gets a stand-in only at a batch, and stays frozen between batches", async () => {
    const calls = [write("w1"), bash("b1", 40), write("w2"), bash("b2", 60), bash("b3", 400), bash("b4", 50), bash("b5", 400), bash("b6", 30)];
    const requests = await replayInputs(calls, config({ highWaterTokens: 3000, keepLast: 1 }));
    const firstElided = requests.findIndex((r) => r.sent[0]![0].includes("[endless: content elided"));
    expect(firstElided).toBeGreaterThan(0);
    expect(requests[firstElided]!.batched).toBe(true);
    for (let k = 1; k < requests.length; k++) {
      if (requests[k]!.batched) continue;
      const previous = requests[k - 1]!.sent;
      expect(requests[k]!.sent.slice(0, previous.length)).toEqual(previous);
    }
    const last = requests.at(-1)!.sent;
    const w1 = JSON.parse(last[0]![0]) as Record<string, unknown>;
    expect(Object.keys(w1)).toEqual(["content", "filePath"]);
    expect(w1.filePath).toBe("/p/w1.ts");
    expect(w1.content).toContain('recall({"id":"w1","part":"input"})');
    // A write's short confirmation is kept as it is.
    expect(last[0]![1]).toBe("Wrote file successfully.");
    expect(requests.filter((r) => r.batched).length).toBeGreaterThan(1);
  });

  test("a call compressed for its input alone is observed (so archived) and its output sent raw", async () => {
    const observed: string[] = [];
    const memory = createMemoryStore();
    const store = { ...memory, observe: async (sessionID: string, call: CallView) => (observed.push(call.callID), memory.observe(sessionID, call)) };
    const calls = [write("w1"), write("w2"), bash("b1"), bash("b2")];
    // A long history behind the request, so the batch pays back its cache rewrite (see the payback tests).
    const shaped = await shapeContext({ sessionID: "s", calls, unseen: new Set(), config: config({ highWaterTokens: 1000, keepLast: 1 }), store, requests: 100 });
    expect(shaped.batched).toBe(true);
    expect([...shaped.inputs.keys()]).toEqual(["w1", "w2"]);
    expect(shaped.renders.get("w1")).toBe("Wrote file successfully.");
    expect(observed).toEqual(["w1", "w2", "b1"]);
    expect((await store.load("s")).inputs.get("w2")).toBe(shaped.inputs.get("w2"));
  });

  test("with compressInputs off no input changes, and a batch with it off drops earlier stand-ins", async () => {
    const calls = [write("w1"), bash("b1"), bash("b2"), bash("b3")];
    const off = await replayInputs(calls, config({ highWaterTokens: 1000, compressInputs: false }));
    for (const request of off) for (const [i, [input]] of request.sent.entries()) expect(input).toBe(JSON.stringify(calls[i]!.input));
    const store = createMemoryStore();
    const on = await shapeContext({ sessionID: "s", calls, unseen: new Set(), config: config({ highWaterTokens: 1000 }), store, requests: 100 });
    expect(on.inputs.has("w1")).toBe(true);
    const more = [...calls, bash("b4"), bash("b5")];
    const later = await shapeContext({ sessionID: "s", calls: more, unseen: new Set(), config: config({ highWaterTokens: 1000, compressInputs: false }), store, requests: 100 });
    expect(later.batched).toBe(true);
    expect(later.inputs.size).toBe(0);
    expect((await store.load("s")).inputs.size).toBe(0);
  });

  test("property: with writes among the calls, earlier inputs and outputs change only at a batch", async () => {
    for (let seed = 1; seed <= 15; seed++) {
      const calls = randomCalls(seed, 40).map((c, i) => (i % 5 === 2 ? write(`${c.callID}_w`, 20 + ((i * seed) % 300)) : c));
      const requests = await replayInputs(calls, config({ highWaterTokens: 3000, keepLast: 2 }));
      let elided = 0;
      for (let k = 1; k < requests.length; k++) {
        const { sent, batched } = requests[k]!;
        elided = Math.max(elided, sent.filter(([input]) => input.includes("[endless:")).length);
        if (batched) continue;
        const previous = requests[k - 1]!.sent;
        expect(sent.slice(0, previous.length)).toEqual(previous);
      }
      expect(elided).toBeGreaterThan(0);
    }
  });
});

describe("shapeContext when a batch fails", () => {
  test("the request carries exactly the frozen frontier, and the batch happens on a later request", async () => {
    const calls = randomCalls(5, 30);
    const cfg = config({ highWaterTokens: 2000, keepLast: 1 });
    const healthy = createMemoryStore();
    let failing = false;
    const store = { ...healthy, observe: (sessionID: string, call: CallView) => (failing ? Promise.reject(new Error("disk I/O error")) : healthy.observe(sessionID, call)) };
    const shape = (n: number) => shapeContext({ sessionID: "s", calls: calls.slice(0, n), unseen: new Set([calls[n - 1]!.callID]), config: cfg, store, requests: n });
    let n = 2;
    let before = await shape(n);
    while (!before.batched && n < calls.length) before = await shape(++n);
    expect(before.batched).toBe(true);
    failing = true;
    let failed = await shape(++n);
    while (failed.batchFailed === undefined && n < calls.length) failed = await shape(++n);
    expect(failed.batchFailed).toContain("disk I/O error");
    expect(failed.batched).toBe(false);
    expect([...failed.renders]).toEqual([...before.renders]);
    failing = false;
    const after = await shape(n);
    expect(after.batched).toBe(true);
    expect(after.renders.size).toBeGreaterThan(before.renders.size);
  });
});

describe("shapeContext: first sight", () => {
  const lines = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag} line ${i}: value_${i * 7} ok`).join("\n");
  const call = (id: string, output: string): CallView => ({ callID: id, tool: "bash", input: { command: id }, output, tokens: Math.ceil(output.length / 4) });

  test("an output over firstSightChars is sent as its view from its first request on, the same bytes until a batch, then as its observation", async () => {
    const calls = [call("big", lines("big", 2_000)), ...Array.from({ length: 8 }, (_, i) => call(`c${i}`, lines(`c${i}`, 120)))];
    expect(calls[0]!.output.length).toBeGreaterThan(32_000);
    const sentBig: string[] = [];
    let batchedAt = -1;
    const store = createMemoryStore();
    for (let n = 1; n <= calls.length; n++) {
      const shaped = await shapeContext({ sessionID: "s", calls: calls.slice(0, n), unseen: new Set([calls[n - 1]!.callID]), config: config({ highWaterTokens: 8_000 }), store, requests: LONG + n });
      sentBig.push(shaped.renders.get("big") ?? calls[0]!.output);
      if (shaped.batched && shaped.added.includes("big")) batchedAt = n - 1;
    }
    const view = sentBig[0]!;
    expect(view).not.toBe(calls[0]!.output);
    expect(view.length).toBeLessThan(32_000 + 500);
    expect(view).toContain('recall({"id":"big","offset":');
    expect(batchedAt).toBeGreaterThan(0);
    for (let k = 1; k < batchedAt; k++) expect(sentBig[k]).toBe(view);
    const observation = sentBig[batchedAt]!;
    expect(observation).not.toBe(view);
    expect(view.endsWith(observation)).toBe(true);
    for (let k = batchedAt; k < sentBig.length; k++) expect(sentBig[k]).toBe(observation);
  });

  test("an LLM observation arriving while the call is raw does not change its view: the view embeds the fast observation", async () => {
    const memory = createMemoryStore();
    let llmReady = false;
    const store = { ...memory, observe: async (sessionID: string, c: CallView) => (llmReady ? `LLM observation of ${c.callID}` : memory.observe(sessionID, c)) };
    const big = call("big", lines("big", 2_000));
    const shape = (n: number) => shapeContext({ sessionID: "s", calls: [big], unseen: new Set(n === 1 ? ["big"] : []), config: config(), store, requests: n });
    const first = (await shape(1)).renders.get("big")!;
    llmReady = true;
    const second = await shape(2);
    expect(second.batched).toBe(false);
    expect(second.renders.get("big")).toBe(first);
    expect(first).not.toContain("LLM observation");
  });

  test("with firstSightChars 0 the same output goes whole the first time", async () => {
    const big = call("big", lines("big", 2_000));
    const shaped = await shapeContext({ sessionID: "s", calls: [big], unseen: new Set(["big"]), config: config({ firstSightChars: 0 }), store: createMemoryStore(), requests: 1 });
    expect(shaped.renders.has("big")).toBe(false);
  });

  test("a tool that is never compressed is never cut either", async () => {
    const big = { ...call("big", lines("big", 2_000)), tool: "todowrite" };
    const shaped = await shapeContext({ sessionID: "s", calls: [big], unseen: new Set(["big"]), config: config(), store: createMemoryStore(), requests: 1 });
    expect(shaped.renders.has("big")).toBe(false);
  });
});

test("a copy already sent as a pointer keeps it when a third copy comes; the second copy points to the third", async () => {
  const big = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag} ${i} some output text here`).join("\n");
  const call = (id: string, command: string): CallView => ({ callID: id, tool: "bash", input: { command }, output: big(id), tokens: 2000 });
  const first = [call("a", "npm test"), call("b", "ls"), call("c", "npm test"), call("d", "x"), call("e", "y")];
  const later = [...first, call("f", "npm test"), call("g", "z"), call("h", "w"), call("i", "v")];
  const store = createMemoryStore();
  const cfg = config({ highWaterTokens: 1000, keepLast: 1 });
  const one = await shapeContext({ sessionID: "s", calls: first, unseen: new Set(), config: cfg, store, requests: LONG });
  expect(one.batched).toBe(true);
  expect(one.renders.get("a")).toContain("superseded by the newer bash call c");
  const two = await shapeContext({ sessionID: "s", calls: later, unseen: new Set(), config: cfg, store, requests: LONG + 1 });
  expect(two.batched).toBe(true);
  expect(two.renders.get("a")).toBe(one.renders.get("a")!);
  expect(two.renders.get("c")).toContain("superseded by the newer bash call f");
});
