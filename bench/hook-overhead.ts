/**
 * Hook overhead: p50/p99 of `tool.execute.after` for 1 KB, 50 KB and 1 MB outputs, and of the request
 * transform for sessions of 100 and 1,000 tool parts, and of a 1,000-part session folded on a 32k model
 * (requests where the fold stays, those where the compression frontier moves, and those where the fold
 * moves), through the real hooks on a real archive file.
 *
 *   bun bench/hook-overhead.ts [--json]
 *
 * Prints a table (and, with --json, one JSON object on stdout). Targets: p99 < 5 ms for 50 KB outputs,
 * p99 < 10 ms for the 1,000-part transform, folding included. The idle work each output queues is timed on its
 * own rows; the 50 KB case runs again with the LLM observation queue on (one job row per output).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Hooks } from "@opencode-ai/plugin";
import { createEndlessHooks } from "../src/hooks/plugin.ts";
import { startMockAnthropic } from "../src/harness/mock-anthropic.ts";
import { createProviderRegistry } from "../src/observer/providers.ts";
import { assistantWithTools, type Msg, userText } from "../src/harness/fake-messages.ts";

const client = { app: { log: async () => ({}) } } as never;
const quiet = () => {};

function outputOfSize(bytes: number, seed: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `src/module_${seed}/file_${i % 97}.ts:${i}: const value${i} = compute(${(i * 7919) % 10007}); // ok`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n").slice(0, bytes);
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `cpuP50ms`: the process's CPU time per call (all its threads), which a machine busy with other work does not inflate. */
type Row = { case: string; runs: number; p50ms: number; p99ms: number; cpuP50ms?: number };
const summarize = (name: string, samples: number[], cpu?: number[]): Row => ({
  case: name,
  runs: samples.length,
  p50ms: Number(percentile(samples, 50).toFixed(3)),
  p99ms: Number(percentile(samples, 99).toFixed(3)),
  ...(cpu === undefined ? {} : { cpuP50ms: Number(percentile(cpu, 50).toFixed(3)) }),
});

/** Wall and CPU milliseconds of one awaited call. */
async function timed(work: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * The hook itself (what a tool result waits for), and separately the idle work it queues for each output
 * (exact token count, observation, search indexing, WAL checkpoint), which the plugin runs while the model
 * streams its next reply. Both are reported: nothing is left unmeasured.
 */
async function benchToolAfter(dir: string, bytes: number, runs: number, queued = false): Promise<Row[]> {
  const { hooks, jobs, close } = queued
    ? await queuedHooks(dir, bytes)
    : { hooks: await createEndlessHooks({ client }, { archivePath: join(dir, `after-${bytes}.db`) }, quiet), jobs: () => 0, close: async () => {} };
  const after = hooks["tool.execute.after"]!;
  const hookMs: number[] = [];
  const idleMs: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const output = { title: "bash", output: outputOfSize(bytes, i), metadata: { exit: 0 } };
    let start = performance.now();
    await after({ tool: "bash", sessionID: "ses_bench", callID: `toolu_${bytes}_${i}`, args: { command: `cmd ${i}` } }, output);
    const hook = performance.now() - start;
    start = performance.now();
    await hooks.dispose!();
    if (i >= 5) {
      hookMs.push(hook);
      idleMs.push(performance.now() - start);
    }
  }
  await close();
  if (queued && jobs() !== runs + 5) throw new Error(`the queue was not on: ${jobs()} jobs for ${runs + 5} outputs`);
  const size = `${bytes >= 1e6 ? "1 MB" : `${Math.round(bytes / 1024)} KB`}${queued ? ", queue on" : ""}`;
  return [summarize(`tool.execute.after ${size}`, hookMs), summarize(`  idle work per output (${size})`, idleMs)];
}

/**
 * The hooks with the LLM observation queue on: a compression model configured for the session's provider
 * (a local mock answering in 2 s), so every output also inserts a job row. The model is called in idle time
 * (each dispose here abandons the call in flight); what is timed is what a tool result waits for.
 */
async function queuedHooks(dir: string, bytes: number): Promise<{ hooks: Hooks; jobs: () => number; close: () => Promise<void> }> {
  const model = startMockAnthropic({ script: () => ({ text: "a short summary of the output", delayMs: 2_000 }) });
  const providers = createProviderRegistry({ env: {}, authFile: join(dir, "no-auth.json") });
  providers.learnConfig({ provider: { cmp: { npm: "@ai-sdk/openai-compatible", options: { baseURL: model.baseURL } } } });
  let enqueued = 0;
  const hooks = await createEndlessHooks(
    { client },
    { archivePath: join(dir, `queued-${bytes}.db`), compression: { models: { bench: "cmp/mini" } } },
    quiet,
    { providers, onEvent: (e) => void (e.type === "enqueued" && enqueued++) },
  );
  await hooks["chat.params"]!(
    { sessionID: "ses_bench", agent: "build", model: { providerID: "bench", id: "big" }, provider: { info: { id: "bench", options: {} } }, message: {} } as never,
    { options: {} } as never,
  );
  return { hooks, jobs: () => enqueued, close: () => model.stop() };
}

async function benchTransform(dir: string, parts: number, runs: number): Promise<Row> {
  const hooks = await createEndlessHooks({ client }, { archivePath: join(dir, `transform-${parts}.db`) }, quiet);
  const transform = hooks["experimental.chat.messages.transform"]!;
  const history: Msg[] = [userText("ses_t", "start")];
  for (let i = 0; i < parts; i++) {
    history.push(assistantWithTools("ses_t", [{ callID: `toolu_t${i}`, tool: i % 3 ? "bash" : "grep", input: { command: `c${i}` }, output: outputOfSize(1500 + (i % 7) * 700, i) }]));
  }
  // The first request archives and compresses the whole history (a one-off batch); then steady state.
  await transform({}, { messages: structuredClone(history) });
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const output = { messages: structuredClone(history) };
    const { ms, cpuMs } = await timed(() => transform({}, output));
    samples.push(ms);
    cpu.push(cpuMs);
    // opencode then sends the request: the event loop turns (untimed).
    await Bun.sleep(0);
  }
  return summarize(`messages.transform ${parts} parts`, samples, cpu);
}

/**
 * A 1,000-part session on a 32k-window model, played as opencode plays it: each sample is one new step whose
 * output the tool hook archives first, then the request is sent (timed), then the idle work runs, as it does
 * while the model streams its reply. The fold stays put on most requests; on some the compression frontier
 * moves (a batch), on some the fold moves (renders the ledger digest, writes the archive): each its own row.
 */
type Kind = "stays" | "batched" | "moves";
type Samples = Record<Kind, number[]>;

/**
 * `sessions` such sessions of `runs` steps each, their samples pooled: one session has some 30 frontier
 * moves and 12 fold moves, too few for a p99 (it would be the slowest of them). Ten give some 120 fold
 * moves, whose p99 is the second slowest.
 */
async function benchFold(dir: string, parts: number, runs: number, sessions: number): Promise<Row[]> {
  const samples: Samples = { stays: [], batched: [], moves: [] };
  const cpu: Samples = { stays: [], batched: [], moves: [] };
  for (let s = 0; s < sessions; s++) await playFold(dir, parts, runs, `ses_f${s}`, samples, cpu);
  return [
    summarize(`messages.transform ${parts} parts, fold stays`, samples.stays, cpu.stays),
    summarize(`messages.transform ${parts} parts, frontier moves`, samples.batched, cpu.batched),
    summarize(`messages.transform ${parts} parts, fold moves`, samples.moves, cpu.moves),
  ];
}

async function playFold(dir: string, parts: number, runs: number, sessionID: string, samples: Samples, cpu: Samples): Promise<void> {
  let folds = 0;
  let batches = 0;
  const log = (_level: string, message: string) => {
    if (message.includes(": fold ")) folds++;
    if (message.includes("frontier moved")) batches++;
  };
  const hooks = await createEndlessHooks({ client }, { archivePath: join(dir, `fold-${parts}-${sessionID}.db`) }, log);
  const transform = hooks["experimental.chat.messages.transform"]!;
  const after = hooks["tool.execute.after"]!;
  const model = { providerID: "mock", id: "m", limit: { context: 32_000, output: 4_096 }, api: { npm: "@ai-sdk/openai-compatible" } };
  await hooks["chat.params"]!({ sessionID, agent: "build", model, provider: {}, message: {} } as never, { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} });
  const call = (i: number) => ({ callID: `toolu_f${i}`, tool: i % 3 ? "bash" : "grep", input: { command: `c${i}` }, output: outputOfSize(1500 + (i % 7) * 700, i) });
  const history: Msg[] = [userText(sessionID, "start")];
  for (let i = 0; i < parts; i++) history.push(assistantWithTools(sessionID, [call(i)]));
  await transform({}, { messages: structuredClone(history) });
  await hooks.dispose!();
  for (let i = 0; i < runs; i++) {
    const step = call(parts + i);
    await after({ tool: step.tool, sessionID, callID: step.callID, args: step.input }, { title: step.tool, output: step.output, metadata: { exit: 0 } });
    history.push(assistantWithTools(sessionID, [step]));
    const output = { messages: structuredClone(history) };
    const [foldsBefore, batchesBefore] = [folds, batches];
    const { ms, cpuMs } = await timed(() => transform({}, output));
    const kind: Kind = folds > foldsBefore ? "moves" : batches > batchesBefore ? "batched" : "stays";
    samples[kind].push(ms);
    cpu[kind].push(cpuMs);
    await hooks.dispose!();
  }
}

/**
 * The machine's CPU time so far from /proc/stat (Linux; undefined elsewhere): all of it, and the part a
 * hypervisor gave to other guests (steal). On a shared VM steal, not this code, is what pushes a p99 up.
 */
function machineTime(): { total: number; steal: number } | undefined {
  if (!existsSync("/proc/stat")) return undefined;
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

const started = machineTime();
const dir = mkdtempSync(join(tmpdir(), "endless-bench-"));
try {
  const rows = [
    ...(await benchToolAfter(dir, 1024, 300)),
    ...(await benchToolAfter(dir, 50 * 1024, 300)),
    ...(await benchToolAfter(dir, 50 * 1024, 300, true)),
    ...(await benchToolAfter(dir, 1024 * 1024, 40)),
    await benchTransform(dir, 100, 200),
    await benchTransform(dir, 1000, 100),
    ...(await benchFold(dir, 1000, 200, 10)),
  ];
  const ended = machineTime();
  // The share of the machine's time during the run that the hypervisor took (null: not measurable here).
  const stealShare = started && ended && ended.total > started.total ? (ended.steal - started.steal) / (ended.total - started.total) : null;
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify({ bun: Bun.version, loadAverage: loadavg(), stealShare, rows }, null, 2));
  } else {
    console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores`);
    console.log(`load average at the end (1, 5, 15 min) ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(`CPU time the hypervisor took during the run (steal): ${stealShare === null ? "not measurable here" : `${(stealShare * 100).toFixed(1)}%`}`);
    console.log("case".padEnd(48), "runs".padStart(5), "p50 ms".padStart(9), "p99 ms".padStart(9), "cpu p50".padStart(9));
    for (const r of rows) {
      console.log(r.case.padEnd(48), String(r.runs).padStart(5), r.p50ms.toFixed(3).padStart(9), r.p99ms.toFixed(3).padStart(9), (r.cpuP50ms?.toFixed(3) ?? "").padStart(9));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
