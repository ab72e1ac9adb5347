import { afterEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import { findJob, jobCounts, spentBy } from "../../src/archive/compression.ts";
import { forgetSession } from "../../src/archive/forget.ts";
import { openArchive } from "../../src/archive/open.ts";
import { createArchiveStore } from "../../src/archive/session-store.ts";
import { archiveToolCall } from "../../src/archive/tool-calls.ts";
import { CompressionOptions } from "../../src/config/compression.ts";
import { type MockServer, type Reply, type RecordedRequest, startMockAnthropic, systemTextOf } from "../../src/harness/mock-anthropic.ts";
import { PROMPT_VERSION, SYSTEM_PROMPT } from "../../src/observer/prompt.ts";
import { createNotice } from "../../src/log/notice.ts";
import { createProviderRegistry } from "../../src/observer/providers.ts";
import { createCompressionWorker, type WorkerEvent } from "../../src/observer/worker.ts";
import { tmpdir } from "../fake/tmp.ts";

const SESSION = "ses_w";
const LEASE_CHILD = new URL("../fake/lease-child.ts", import.meta.url).pathname;
/** A 600-line log: its fast observation keeps head, tail and names, well over a short model summary. */
const bigOutput = (seed: string) => Array.from({ length: 600 }, (_, i) => `GET /api/items/${i} ${seed} 200 OK in ${i % 17} ms`).join("\n");
const SUMMARY = "600 request log lines, items 0-599, all answered 200 OK; no errors.";

const mocks: MockServer[] = [];
afterEach(async () => {
  await Promise.all(mocks.splice(0).map((m) => m.stop()));
});

function mock(script: (req: RecordedRequest, index: number) => Reply | Promise<Reply>): MockServer {
  const server = startMockAnthropic({ script });
  mocks.push(server);
  return server;
}

interface Setup {
  db: Database;
  worker: ReturnType<typeof createCompressionWorker>;
  store: ReturnType<typeof createArchiveStore>;
  events: WorkerEvent[];
  notices: string[];
  add(callID: string, output?: string): void;
}

/** A worker over an in-memory archive, its compression providers pointing at the given mocks. */
function setup(
  options: Record<string, unknown>,
  providers: Record<string, { baseURL: string; npm?: string }>,
  db = openArchive(":memory:"),
  now?: () => number,
): Setup {
  const store = createArchiveStore(db, { llmVersion: PROMPT_VERSION });
  const registry = createProviderRegistry({ env: {}, authFile: "/nonexistent/auth.json" });
  registry.learnConfig({
    provider: Object.fromEntries(
      Object.entries(providers).map(([id, p]) => [id, { npm: p.npm ?? "@ai-sdk/openai-compatible", options: { baseURL: p.baseURL, apiKey: `key-${id}` } }]),
    ),
  });
  const events: WorkerEvent[] = [];
  const notices: string[] = [];
  const worker = createCompressionWorker({
    db,
    store,
    options: CompressionOptions.parse({ minOutputTokens: 100, ...options }),
    providers: registry,
    log: () => {},
    // The real once-per-key notice, its toasts recorded.
    notice: createNotice({ tui: { showToast: async (t) => notices.push(t.body.message) } }, () => {}),
    onEvent: (e) => events.push(e),
    backoffBaseMs: 20,
    now,
  });
  worker.sessionModel(SESSION, "main/big");
  return {
    db,
    worker,
    store,
    events,
    notices,
    add(callID, output = bigOutput(callID)) {
      archiveToolCall(db, { sessionID: SESSION, callID, tool: "bash", input: { command: "tail -n 600 access.log" }, output, tokens: Math.ceil(output.length / 4) }, "replace");
      worker.enqueue(SESSION, callID, Math.ceil(output.length / 4));
    },
  };
}

/** Kicks the worker and waits until the job has left pending/running, retries included (bounded). */
async function settled(s: Setup, callID: string, maxMs = 20_000): Promise<NonNullable<ReturnType<typeof findJob>>> {
  const start = Date.now();
  s.worker.kick();
  for (;;) {
    await s.worker.drain();
    const job = findJob(s.db, SESSION, callID, PROMPT_VERSION)!;
    if (job.state !== "pending" && job.state !== "running") return job;
    if (Date.now() - start > maxMs) throw new Error(`job ${callID} still ${job.state} after ${maxMs} ms: ${job.lastError}`);
    await Bun.sleep(10);
  }
}

const compressionRequests = (m: MockServer) => m.requests.filter((r) => systemTextOf(r.body).includes("You compress one tool call"));

describe("the compression worker against mock providers on 127.0.0.1", () => {
  test("an OpenAI-compatible model's observation is archived and becomes the call's best observation", async () => {
    const cmp = mock(() => ({ text: SUMMARY }));
    const s = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_1");
    const job = await settled(s, "toolu_1");
    expect(job.state).toBe("done");
    const request = cmp.requests[0]!;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe("Bearer key-cmp");
    expect(request.body?.model).toBe("mini");
    expect(systemTextOf(request.body)).toBe(SYSTEM_PROMPT);
    expect(JSON.stringify(request.body)).toContain("GET /api/items/599 toolu_1 200 OK");
    const best = await s.store.observe(SESSION, { callID: "toolu_1", tool: "bash", input: {}, output: "", tokens: 0 });
    expect(best).toStartWith(SUMMARY);
    expect(best).toEndWith('recall({"id":"toolu_1"})]');
    const spent = spentBy(s.db, { sessionID: SESSION });
    expect(spent.calls).toBe(1);
    expect(spent.inputTokens).toBeGreaterThan(1000);
  });

  test("an Anthropic model is called through @anthropic-ai/sdk, with opencode's /v1 base URL", async () => {
    const cmp = mock(() => ({ text: SUMMARY }));
    const s = setup({ models: { main: "claude/haiku" } }, { claude: { baseURL: cmp.baseURL, npm: "@ai-sdk/anthropic" } });
    s.add("toolu_a");
    expect((await settled(s, "toolu_a")).state).toBe("done");
    expect(cmp.requests[0]!.path).toBe("/v1/messages");
    // @anthropic-ai/sdk 1.12 sends the key as a bearer token.
    expect(cmp.requests[0]!.headers.authorization ?? cmp.requests[0]!.headers["x-api-key"]).toContain("key-claude");
    expect(cmp.requests[0]!.body?.system).toBe(SYSTEM_PROMPT);
  });

  test("the price: the options' first, else the list price of the model's id, else none (unpriced)", async () => {
    const cmp = mock(() => ({ text: SUMMARY }));
    const listed = setup({ models: { main: "cmp/claude-haiku-4-5" } }, { cmp: { baseURL: cmp.baseURL } });
    listed.add("toolu_p1");
    expect((await settled(listed, "toolu_p1")).state).toBe("done");
    const atList = spentBy(listed.db, { sessionID: SESSION });
    expect(atList.unpricedCalls).toBe(0);
    expect(atList.costUsd).toBeCloseTo((atList.inputTokens * 1 + atList.outputTokens * 5) / 1e6, 12);

    const own = setup({ models: { main: "cmp/claude-haiku-4-5" }, prices: { "cmp/claude-haiku-4-5": { input: 2, output: 7 } } }, { cmp: { baseURL: cmp.baseURL } });
    own.add("toolu_p2");
    expect((await settled(own, "toolu_p2")).state).toBe("done");
    const atOwn = spentBy(own.db, { sessionID: SESSION });
    expect(atOwn.costUsd).toBeCloseTo((atOwn.inputTokens * 2 + atOwn.outputTokens * 7) / 1e6, 12);

    const unknown = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } });
    unknown.add("toolu_p3");
    expect((await settled(unknown, "toolu_p3")).state).toBe("done");
    expect(spentBy(unknown.db, { sessionID: SESSION })).toMatchObject({ calls: 1, unpricedCalls: 1, costUsd: 0 });
  });

  test("429 with retry-after waits as long as the provider asks, then succeeds", async () => {
    const cmp = mock((_r, i) => (i === 0 ? { error: { status: 429, type: "rate_limit_error", message: "slow down", headers: { "retry-after": "1" } } } : { text: SUMMARY }));
    const s = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_429");
    const job = await settled(s, "toolu_429");
    expect(job.state).toBe("done");
    expect(job.attempts).toBe(2);
    // The backoff alone would have waited 20 ms.
    expect(cmp.requests[1]!.time - cmp.requests[0]!.time).toBeGreaterThanOrEqual(1000);
  });

  test("a 500 is retried with backoff; the job records the attempts and the last error", async () => {
    const cmp = mock((_r, i) => (i < 2 ? { error: { status: 500, type: "api_error", message: "boom" } } : { text: SUMMARY }));
    const s = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_500");
    const job = await settled(s, "toolu_500");
    expect(job.state).toBe("done");
    expect(job.attempts).toBe(3);
    expect(cmp.requests).toHaveLength(3);
  });

  test("a slow model times out on every attempt: the job fails after maxAttempts, the fast observation stays", async () => {
    const cmp = mock(() => ({ text: SUMMARY, delayMs: 600 }));
    const s = setup({ models: { main: "cmp/mini" }, timeoutMs: 150, maxAttempts: 2 }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_slow");
    const job = await settled(s, "toolu_slow");
    expect(job.state).toBe("failed");
    expect(job.attempts).toBe(2);
    expect(job.lastError).toContain("no answer within 150 ms");
    const best = await s.store.observe(SESSION, { callID: "toolu_slow", tool: "bash", input: {}, output: bigOutput("toolu_slow"), tokens: 0 });
    expect(best).toContain("[endless:");
    expect(best).not.toContain(SUMMARY);
  });

  test("a malformed body fails at once (no retry), an empty answer and a refusal are discarded", async () => {
    const answers: Reply[] = [{ rawBody: "{not json" }, { text: "   " }, { text: "I'm sorry, I can't help with that." }];
    const cmp = mock((_r, i) => answers[i]!);
    const s = setup({ models: { main: "cmp/mini" }, concurrency: 1 }, { cmp: { baseURL: cmp.baseURL } });
    for (const id of ["toolu_m", "toolu_e", "toolu_r"]) s.add(id);
    const [m, e, r] = [await settled(s, "toolu_m"), await settled(s, "toolu_e"), await settled(s, "toolu_r")];
    expect([m.state, m.attempts]).toEqual(["failed", 1]);
    expect(m.lastError).toContain("not a chat completion");
    expect([e.state, e.lastError]).toEqual(["skipped", "cmp/mini: discarded, empty answer"]);
    expect([r.state, r.lastError]).toEqual(["skipped", "cmp/mini: discarded, the model refused"]);
    expect(cmp.requests).toHaveLength(3);
  });

  test("an answer naming a path that is not in the output, or no smaller than the fast observation, is discarded", async () => {
    const answers: Reply[] = [{ text: "All items served; see src/server/routes.ts for the handler." }, { text: bigOutput("long") }];
    const cmp = mock((_r, i) => answers[i]!);
    const s = setup({ models: { main: "cmp/mini" }, concurrency: 1 }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_p");
    s.add("toolu_l");
    expect((await settled(s, "toolu_p")).lastError).toBe("cmp/mini: discarded, names a path not in the output: src/server/routes.ts");
    expect((await settled(s, "toolu_l")).lastError).toMatch(/not smaller than the fast observation/);
  });

  test("the circuit breaker opens after repeated failures: no more calls to that model, one notice", async () => {
    const cmp = mock(() => ({ error: { status: 503, type: "overloaded_error", message: "overloaded" } }));
    const s = setup({ models: { main: "cmp/mini" }, maxAttempts: 1, breakerFailures: 2, concurrency: 1 }, { cmp: { baseURL: cmp.baseURL } });
    for (const id of ["toolu_b1", "toolu_b2", "toolu_b3"]) s.add(id);
    expect((await settled(s, "toolu_b1")).state).toBe("failed");
    expect((await settled(s, "toolu_b2")).state).toBe("failed");
    s.worker.kick();
    await s.worker.drain();
    const third = findJob(s.db, SESSION, "toolu_b3", PROMPT_VERSION)!;
    expect(third.state).toBe("pending");
    expect(third.lastError).toContain("circuit breaker open");
    expect(cmp.requests).toHaveLength(2);
    expect(s.notices.filter((n) => n.startsWith("compression model cmp/mini failed 2 times"))).toHaveLength(1);
  });

  test("a fallback chain goes on to the next model when one rejects the call", async () => {
    const first = mock(() => ({ error: { status: 400, type: "invalid_request_error", message: "unknown model" } }));
    const second = mock(() => ({ text: SUMMARY }));
    const s = setup({ models: { main: ["one/a", "two/b"] } }, { one: { baseURL: first.baseURL }, two: { baseURL: second.baseURL } });
    s.add("toolu_f");
    const job = await settled(s, "toolu_f");
    expect(job.state).toBe("done");
    expect([first.requests.length, second.requests.length]).toEqual([1, 1]);
  });

  test("the session token cap stops calls and says so once", async () => {
    const cmp = mock(() => ({ text: SUMMARY }));
    const s = setup({ models: { main: "cmp/mini" }, sessionTokenCap: 1_000, concurrency: 1 }, { cmp: { baseURL: cmp.baseURL } });
    for (const id of ["toolu_c1", "toolu_c2", "toolu_c3"]) s.add(id);
    const states = [await settled(s, "toolu_c1"), await settled(s, "toolu_c2"), await settled(s, "toolu_c3")].map((j) => j.state);
    expect(states).toEqual(["done", "skipped", "skipped"]);
    expect(cmp.requests).toHaveLength(1);
    const said = s.notices.filter((n) => n.includes("sessionTokenCap"));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain("no more compression calls");
  });

  test("a session whose provider has no compression model queues nothing and sends its outputs nowhere", async () => {
    const cmp = mock(() => ({ text: SUMMARY }));
    const s = setup({ models: { other: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_n");
    s.worker.kick();
    await s.worker.drain();
    expect(findJob(s.db, SESSION, "toolu_n", PROMPT_VERSION)).toBeUndefined();
    expect(jobCounts(s.db)).toEqual({ pending: 0, running: 0, done: 0, failed: 0, skipped: 0 });
    expect(cmp.requests).toHaveLength(0);
  });

  test("a small output is not queued at all", async () => {
    const cmp = mock(() => ({ text: SUMMARY }));
    const s = setup({ models: { main: "cmp/mini" }, minOutputTokens: 50_000 }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_small");
    expect(findJob(s.db, SESSION, "toolu_small", PROMPT_VERSION)).toBeUndefined();
  });

  test("stop abandons a call in flight without counting it; a new worker on the archive resumes the job", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const cmp = mock((_r, i) => (i === 0 ? { text: SUMMARY, hold: held } : { text: SUMMARY }));
    const db = openArchive(":memory:");
    const first = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } }, db);
    first.add("toolu_resume");
    first.worker.kick();
    while (cmp.requests.length === 0) await Bun.sleep(5);
    await first.worker.stop();
    release();
    const waiting = findJob(db, SESSION, "toolu_resume", PROMPT_VERSION)!;
    expect([waiting.state, waiting.attempts]).toEqual(["pending", 0]);
    const second = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } }, db);
    const job = await settled(second, "toolu_resume");
    expect([job.state, job.attempts]).toEqual(["done", 1]);
    expect(cmp.requests).toHaveLength(2);
  });

  test("a job leased by a process killed mid-call waits out its lease (never run twice at once), then runs in the next", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "archive.db");
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const cmp = mock((_r, i) => (i === 0 ? { text: SUMMARY, hold: held } : { text: SUMMARY }));
    let clock = Date.now();
    const next = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } }, openArchive(path), () => clock);
    next.add("toolu_leased");
    const child = Bun.spawn([process.execPath, LEASE_CHILD, path, cmp.baseURL], { stdout: "pipe", stderr: "inherit" });
    try {
      const { value } = await child.stdout.getReader().read();
      expect(new TextDecoder().decode(value)).toContain('"started":"toolu_leased"');
      // Killed once the mock holds its call: mid-call, as a crash or a closed terminal would.
      for (let i = 0; i < 500 && compressionRequests(cmp).length === 0; i++) await Bun.sleep(10);
      process.kill(child.pid, "SIGKILL");
      expect(await child.exited).not.toBe(0);
    } finally {
      child.kill("SIGKILL");
      release();
    }
    expect(compressionRequests(cmp)).toHaveLength(1);
    // The dead holder's lease stands: a new worker leaves the job alone.
    clock = Date.now();
    next.worker.kick();
    await next.worker.drain();
    expect(findJob(next.db, SESSION, "toolu_leased", PROMPT_VERSION)).toMatchObject({ state: "running", attempts: 1 });
    expect(compressionRequests(cmp)).toHaveLength(1);
    // Once it runs out (twice the call timeout and 5 s), the job runs again, its attempt counted.
    clock = Date.now() + 2 * 30_000 + 5_000;
    const job = await settled(next, "toolu_leased");
    expect([job.state, job.attempts]).toEqual(["done", 2]);
    expect(compressionRequests(cmp)).toHaveLength(2);
    next.db.close();
  }, 30_000);

  test("endless forget removes a session's jobs, spend and LLM observations with its calls", async () => {
    const cmp = mock(() => ({ text: SUMMARY }));
    const s = setup({ models: { main: "cmp/mini" } }, { cmp: { baseURL: cmp.baseURL } });
    s.add("toolu_forget");
    expect((await settled(s, "toolu_forget")).state).toBe("done");
    forgetSession(s.db, SESSION);
    expect(findJob(s.db, SESSION, "toolu_forget", PROMPT_VERSION)).toBeUndefined();
    expect(spentBy(s.db, { sessionID: SESSION }).calls).toBe(0);
    expect(s.db.query<{ n: number }, []>("SELECT count(*) AS n FROM observations").get()!.n).toBe(0);
  });
});
