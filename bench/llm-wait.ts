/**
 * Does a slow compression model make the agent wait? The same scripted session (12 bash steps of ~1,500
 * tokens each) runs through the real opencode binary twice against the local mock: with Endless and no
 * compression model, then with a compression model (a second local mock) that answers each call after 2 s.
 * Reported: the whole run, and the gap opencode takes from a model reply to its next request (the tool
 * run plus every hook), per step; and how many compression calls were made and answered during the run.
 *
 *   bun bench/llm-wait.ts [--json]
 */
import { isMainAgentRequest, type MockServer, scriptedToolCalls, startMockAnthropic } from "../src/harness/mock-anthropic.ts";
import { createOpencodeWorld, workingTreePlugin } from "../src/harness/opencode-runner.ts";

const STEPS = 12;
const MODEL_DELAY_MS = 2_000;
const steps = () =>
  Array.from({ length: STEPS }, (_, i) => ({
    name: "bash",
    input: { command: `seq ${1000 * (i + 1)} ${1000 * (i + 1) + 400} | sed 's/^/value /'`, description: `numbers ${i}` },
  }));

interface Run {
  case: string;
  runMs: number;
  /** Per step: from the previous main request's arrival to the next one's (model reply + tool + hooks). */
  gapP50Ms: number;
  gapMaxMs: number;
  compressionCalls: number;
  compressionAnswered: number;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(name: string, withModel: boolean): Promise<Run> {
  await using main = startMockAnthropic({ script: scriptedToolCalls(steps, { finalText: "done" }) });
  let answered = 0;
  const cmp: MockServer = startMockAnthropic({
    script: async () => {
      await Bun.sleep(MODEL_DELAY_MS);
      answered++;
      return { text: "401 lines of numbered values; nothing else." };
    },
  });
  try {
    const compression = withModel ? { compression: { models: { mock: "cmp/mini" }, minOutputTokens: 300 } } : {};
    await using world = await createOpencodeWorld({
      provider: [{ baseURL: main.baseURL }, { baseURL: cmp.baseURL, id: "cmp", api: "openai-compatible", model: "mini" }],
      plugins: [workingTreePlugin({ keepLast: 1, highWaterTokens: 3_000, ...compression })],
    });
    const result = await world.run("Print the numbers.", { title: name, autoApprove: true, timeoutMs: 300_000 });
    if (result.exitCode !== 0 || result.toolParts.length !== STEPS) throw new Error(`${name}: the run failed:\n${world.logTail(30)}`);
    const times = main.requests.filter(isMainAgentRequest).map((r) => r.time);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    return {
      case: name,
      runMs: Math.round(result.durationMs),
      gapP50Ms: percentile(gaps, 50),
      gapMaxMs: Math.max(...gaps),
      compressionCalls: cmp.requests.length,
      compressionAnswered: answered,
    };
  } finally {
    await cmp.stop();
  }
}

const rows = [await run("no compression model", false), await run(`compression model, ${MODEL_DELAY_MS} ms per call`, true)];
if (process.argv.includes("--json")) console.log(JSON.stringify({ bun: Bun.version, rows }, null, 2));
else {
  console.log(`Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, ${STEPS} steps`);
  console.log("case".padEnd(36), "run ms".padStart(8), "gap p50".padStart(8), "gap max".padStart(8), "calls".padStart(6), "answered".padStart(9));
  for (const r of rows) {
    console.log(r.case.padEnd(36), String(r.runMs).padStart(8), String(r.gapP50Ms).padStart(8), String(r.gapMaxMs).padStart(8), String(r.compressionCalls).padStart(6), String(r.compressionAnswered).padStart(9));
  }
}
