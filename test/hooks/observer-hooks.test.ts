import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { findJob } from "../../src/archive/compression.ts";
import { openArchive } from "../../src/archive/open.ts";
import { compressionBill, sessionStats } from "../../src/archive/stats.ts";
import { main } from "../../src/cli/main.ts";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { type MockServer, startMockAnthropic } from "../../src/harness/mock-anthropic.ts";
import { PROMPT_VERSION } from "../../src/observer/prompt.ts";
import { createProviderRegistry } from "../../src/observer/providers.ts";
import type { WorkerEvent } from "../../src/observer/worker.ts";
import { tmpdir } from "../fake/tmp.ts";

const client = { app: { log: async () => ({}) } } as never;
const SESSION = "ses_hooks";
const output = Array.from({ length: 500 }, (_, i) => `ok ${i}: item ${i} stored in bucket ${i % 9}`).join("\n");

const mocks: MockServer[] = [];
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((m) => m.stop()));
});

/** What opencode passes chat.params for a main-agent step on provider "main". */
const chatParams = (sessionID: string) =>
  [
    {
      sessionID,
      agent: "build",
      model: { providerID: "main", id: "big", api: { npm: "@ai-sdk/openai-compatible" }, limit: { context: 100_000, output: 4_000 } },
      provider: { source: "config", info: { id: "main", options: {} }, options: {} },
      message: {},
    },
    { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} },
  ] as never;

async function plugin(archivePath: string, baseURL: string, events: WorkerEvent[], options: Record<string, unknown> = {}) {
  const providers = createProviderRegistry({ env: {}, authFile: "/nonexistent" });
  const hooks = await createEndlessHooks(
    { client },
    { archivePath, compression: { models: { main: "cmp/mini" }, minOutputTokens: 100, prices: { "cmp/mini": { input: 1, output: 5 } } }, ...options },
    () => {},
    { providers, onEvent: (e) => events.push(e), backoffBaseMs: 20 },
  );
  await hooks.config!({ provider: { cmp: { npm: "@ai-sdk/openai-compatible", options: { baseURL, apiKey: "k" } } } } as never);
  return hooks;
}

describe("the tool hook and the compression worker", () => {
  test("tool.execute.after returns before the model call even starts; the call completes later, in idle work", async () => {
    using dir = tmpdir();
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const cmp = startMockAnthropic({
      script: () => {
        order.push("model received the output");
        return { text: "500 lines: items 0-499 stored in buckets 0-8; all ok.", hold: held };
      },
    });
    mocks.push(cmp);
    const events: WorkerEvent[] = [];
    const hooks = await plugin(join(dir.path, "a.db"), cmp.baseURL, events);
    await hooks["chat.params"]!(...(chatParams(SESSION) as [never, never]));
    await hooks["tool.execute.after"]!({ tool: "bash", sessionID: SESSION, callID: "toolu_h", args: { command: "store" } }, { title: "", output, metadata: {} });
    order.push("hook returned");
    expect(events.map((e) => e.type)).toEqual(["enqueued"]);
    // Idle work runs ~200 ms after the last tool output and starts the job; the reply is held meanwhile.
    while (cmp.requests.length === 0) await Bun.sleep(10);
    expect(events.map((e) => e.type)).toEqual(["enqueued", "started"]);
    order.push("reply released");
    release();
    while (!events.some((e) => e.type === "finished")) await Bun.sleep(10);
    expect(order).toEqual(["hook returned", "model received the output", "reply released"]);
    expect(events.at(-1)).toMatchObject({ type: "finished", state: "done" });
    await hooks.dispose!();
  });

  test("a restarted plugin resumes the jobs a previous run left pending", async () => {
    using dir = tmpdir();
    const archivePath = join(dir.path, "a.db");
    // The first run quits (dispose) while its model call is in flight: the call is abandoned, not counted.
    const stuck = startMockAnthropic({ script: () => ({ text: "never delivered", hold: new Promise(() => {}) }) });
    mocks.push(stuck);
    const first = await plugin(archivePath, stuck.baseURL, []);
    await first["chat.params"]!(...(chatParams(SESSION) as [never, never]));
    await first["tool.execute.after"]!({ tool: "bash", sessionID: SESSION, callID: "toolu_r", args: { command: "store" } }, { title: "", output, metadata: {} });
    for (let i = 0; i < 500 && stuck.requests.length === 0; i++) await Bun.sleep(10);
    expect(stuck.requests).toHaveLength(1);
    await first.dispose!();
    const db = openArchive(archivePath);
    expect(findJob(db, SESSION, "toolu_r", PROMPT_VERSION)).toMatchObject({ state: "pending", attempts: 0 });
    const cmp = startMockAnthropic({ script: () => ({ text: "500 lines: items 0-499 stored in buckets 0-8; all ok." }) });
    mocks.push(cmp);
    const events: WorkerEvent[] = [];
    const second = await plugin(archivePath, cmp.baseURL, events);
    for (let i = 0; i < 500 && !events.some((e) => e.type === "finished"); i++) await Bun.sleep(10);
    expect(events.at(-1)).toMatchObject({ type: "finished", callID: "toolu_r", state: "done" });
    expect(findJob(db, SESSION, "toolu_r", PROMPT_VERSION)).toMatchObject({ state: "done", attempts: 1 });
    await second.dispose!();
    db.close();
  });

  test("the bill: stats show model spend, jobs, per-request savings and the cache writes of the swap", async () => {
    using dir = tmpdir();
    const archivePath = join(dir.path, "a.db");
    const cmp = startMockAnthropic({ script: () => ({ text: "500 lines: items 0-499 stored in buckets 0-8; all ok." }) });
    mocks.push(cmp);
    const events: WorkerEvent[] = [];
    const hooks = await plugin(archivePath, cmp.baseURL, events, { keepLast: 1, highWaterTokens: 3_000 });
    await hooks["chat.params"]!(...(chatParams(SESSION) as [never, never]));
    const messages: Msg[] = [userText(SESSION, "go")];
    const step = async (i: number) => {
      const call = { callID: `toolu_${i}`, tool: "bash", input: { command: `store ${i}` }, output: output.replaceAll("ok", `ok${i}`) };
      await hooks["tool.execute.after"]!({ tool: "bash", sessionID: SESSION, callID: call.callID, args: call.input }, { title: "", output: call.output, metadata: {} });
      messages.push(assistantWithTools(SESSION, [call]));
      await hooks["experimental.chat.messages.transform"]!({}, { messages: structuredClone(messages) });
    };
    for (let i = 0; i < 3; i++) await step(i);
    const db = openArchive(archivePath);
    const batchesBefore = sessionStats(db, SESSION)[0]!.batches;
    expect(batchesBefore).toBeGreaterThan(0);
    // Wait for the model to answer for every call so far, then go on until the frontier moves again.
    for (let i = 0; i < 500 && events.filter((e) => e.type === "finished").length < 3; i++) await Bun.sleep(10);
    for (let i = 3; i < 12 && sessionStats(db, SESSION)[0]!.batches === batchesBefore; i++) await step(i);
    const bill = compressionBill(db, SESSION);
    expect(bill.spent.calls).toBeGreaterThanOrEqual(3);
    expect(bill.spent.costUsd).toBeCloseTo((bill.spent.inputTokens * 1 + bill.spent.outputTokens * 5) / 1e6, 10);
    expect(bill.llmRendered).toBeGreaterThanOrEqual(2);
    expect(bill.savedTokensPerRequest).toBeGreaterThan(0);
    expect(bill.swaps).toBe(1);
    expect(bill.swapCacheWriteTokens).toBeGreaterThan(0);
    expect(compressionBill(db).spent).toEqual(bill.spent);
    await hooks.dispose!();
    const out: string[] = [];
    expect(await main(["stats", "--archive", archivePath], { out: (t) => out.push(t), err: () => {} })).toBe(0);
    expect(out.join("\n")).toContain(`LLM observations: ${bill.spent.calls} model calls`);
    expect(out.join("\n")).toContain("all sessions, compression model:");
    db.close();
  });
});
