/**
 * Endurance: one scripted 300-call coding session (bash, read, grep, write, edit; checks that fail and are
 * later fixed, and some that never are) on a 32k-window model, through the real opencode binary against
 * the mock, which rejects any request over the window with Anthropic's 400 `prompt is too long`. Stock
 * opencode and Endless side by side on the Anthropic protocol, and Endless on the OpenAI-compatible one.
 *
 *   bun bench/endurance.ts [--calls N] [--json]
 *
 * Prints a table (and, with --json, one JSON object on stdout). Takes ~15 minutes on 2 busy cores.
 */
import { parseArgs } from "node:util";
import { changedFiles, ENDURANCE_WINDOW, type EnduranceResult, meanOf, runEndurance, unresolvedCodes } from "../src/harness/endurance.ts";
import type { Protocol } from "../src/harness/mock-anthropic.ts";
import { recall } from "../src/recall/recall.ts";

const { values } = parseArgs({ options: { calls: { type: "string", default: "300" }, json: { type: "boolean", default: false } } });
const calls = Number(values.calls);
if (!Number.isInteger(calls) || calls < 30) throw new Error("--calls takes a whole number of at least 30, e.g. --calls 300");

interface Row {
  readonly setup: string;
  readonly exitCode: number;
  readonly completedCalls: number;
  readonly requests: number;
  /** Requests whose messages start with the previous request's byte for byte, as a share. */
  readonly prefixKept: number;
  readonly compactions: number;
  readonly overflows: number;
  readonly peakTokens: number;
  readonly peakShare: number;
  readonly totalInputTokens: number;
  /** Mean request size of requests 100-200 and of the last 100 (or the run's middle and last third when shorter). */
  readonly meanMiddle: number;
  readonly meanLast: number;
  /** Archived outputs that recall by id gives back byte for byte (Endless only). */
  readonly recallable: string;
  /** Files written or edited, and unresolved error codes, that the final request does not name. */
  readonly missingInFinal: number;
  readonly seconds: number;
}

function measure(setup: string, run: EnduranceResult): Row {
  const third = Math.floor(run.requests.length / 3);
  const window = run.requests.length >= 300 ? 100 : third;
  const final = JSON.stringify(run.finalRequest?.body?.messages ?? []);
  const names = [...changedFiles(run.steps, run.project), ...unresolvedCodes(run.steps)];
  let recallable = "-";
  if (run.archive !== undefined) {
    const good = run.stored.filter((p) => {
      const answer = recall(run.archive!, run.sessionID, { id: p.callID, limit: 100_000 });
      return answer.slice(answer.indexOf("\n") + 1) === p.state.output;
    }).length;
    recallable = `${good}/${run.stored.length}`;
  }
  const peak = Math.max(...run.requests);
  return {
    setup,
    exitCode: run.exitCode,
    completedCalls: run.completedCalls,
    requests: run.requests.length,
    prefixKept: Number((run.prefixKept / Math.max(1, run.requests.length - 1)).toFixed(3)),
    compactions: run.compactions,
    overflows: run.overflows,
    peakTokens: peak,
    peakShare: Number((peak / ENDURANCE_WINDOW.context).toFixed(3)),
    totalInputTokens: run.requests.reduce((n, t) => n + t, 0),
    meanMiddle: Math.round(meanOf(run.requests.slice(window, 2 * window))),
    meanLast: Math.round(meanOf(run.requests.slice(-window))),
    recallable,
    missingInFinal: names.filter((n) => !final.includes(n)).length,
    seconds: Math.round(run.durationMs / 1000),
  };
}

async function one(setup: string, endless: Record<string, unknown> | undefined, protocol: Protocol): Promise<Row> {
  process.stderr.write(`endurance: ${setup}, ${calls} calls...\n`);
  const run = await runEndurance({ calls, endless, protocol, timeoutMs: 40 * 60_000 });
  try {
    return measure(setup, run);
  } finally {
    run.archive?.close();
    await run.dispose();
  }
}

const rows = [
  await one("stock opencode (anthropic)", undefined, "anthropic"),
  await one("Endless (anthropic)", {}, "anthropic"),
  await one("Endless (openai-compatible)", {}, "openai"),
];

const columns: [keyof Row, string][] = [
  ["setup", "setup"],
  ["completedCalls", "calls done"],
  ["requests", "requests"],
  ["prefixKept", "prefix kept"],
  ["compactions", "compactions"],
  ["overflows", "overflows"],
  ["peakTokens", "peak"],
  ["peakShare", "peak/window"],
  ["totalInputTokens", "total input"],
  ["meanMiddle", "mean mid"],
  ["meanLast", "mean last"],
  ["recallable", "recallable"],
  ["missingInFinal", "unnamed in final"],
  ["seconds", "s"],
];
const cell = (v: unknown) => (typeof v === "number" && v >= 1000 ? v.toLocaleString("en-US") : String(v));
console.log(`window ${ENDURANCE_WINDOW.context.toLocaleString("en-US")} (output ${ENDURANCE_WINDOW.output}), ${calls} scripted calls`);
console.log(`| ${columns.map(([, h]) => h).join(" | ")} |`);
console.log(`|${columns.map(() => "---").join("|")}|`);
for (const row of rows) console.log(`| ${columns.map(([k]) => cell(row[k])).join(" | ")} |`);
if (values.json) console.log(JSON.stringify({ window: ENDURANCE_WINDOW, calls, rows }, null, 2));
