import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { pickSession, renderHtml, renderSvg } from "../replay/chart.ts";
import { POLICY_NAMES, type PolicyName } from "../replay/policies/index.ts";
import { textReport, toJson } from "../replay/report.ts";
import { runBench } from "../replay/run.ts";
import { EndlessOptions, type PolicyConfig, policyOf } from "../config/schema.ts";
import { type Command, type CommandIO, UsageError } from "./io.ts";

const USAGE = `usage: endless bench [options] PATH...

Replays recorded agent sessions under every context policy, side by side: input tokens, peak context,
cost with and without the prompt cache, cache breaks, fact retention, compute time. Each PATH is a session
file or a folder searched recursively for them: opencode export JSON, Claude Code .jsonl transcripts,
SWE-agent .traj, OpenHands trajectory JSON. Unreadable files are skipped with a message.

options:
  --json                 print one JSON object on stdout instead of the table
  --chart FILE           write a chart of context size per request (FILE ends in .svg or .html)
  --chart-session NAME   the session to chart: its name or part of its path (default: most requests)
  --policies LIST        comma-separated, from: ${POLICY_NAMES.join(", ")} (default: all)
  --keep-last N          endless: the newest N outputs stay raw
  --high-water N         endless: a batch starts when more raw output tokens than this wait
  --low-water N          endless: a batch compresses until at most this many remain
  --min-tokens N         endless: smaller outputs are never compressed
  --window N             a model window in tokens: count each policy's requests over it (overWindow), and
                         let endless fold into its ledger as the plugin does on a model of that usable window
  --quiet                no progress lines on stderr
  -h, --help             this text
(endless options default to the plugin's defaults, see the README's option table)`;

const wholeNumber = (flag: string) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} takes a whole number, e.g. ${flag} 12000`)
    .transform(Number)
    .optional();

const policyList = z
  .string()
  .optional()
  .transform((text, ctx): PolicyName[] => {
    if (text === undefined) return [...POLICY_NAMES];
    const names = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
    const unknown = names.filter((p) => !(POLICY_NAMES as readonly string[]).includes(p));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `--policies: ${names.length === 0 ? "no policy given" : `unknown policy "${unknown.join('", "')}"`}; choose from ${POLICY_NAMES.join(", ")}`,
      });
      return z.NEVER;
    }
    // Always in the canonical order, none first: every ratio is against none.
    return POLICY_NAMES.filter((p) => names.includes(p));
  });

export const BenchArgs = z
  .object({
    paths: z.array(z.string()).min(1, "give at least one session file or folder, e.g. `endless bench ../shared/corpus`"),
    json: z.boolean(),
    quiet: z.boolean(),
    chart: z
      .string()
      .regex(/\.(svg|html)$/i, "--chart FILE must end in .svg or .html, e.g. --chart context.svg")
      .optional(),
    chartSession: z.string().min(1).optional(),
    policies: policyList,
    keepLast: wholeNumber("--keep-last"),
    highWater: wholeNumber("--high-water"),
    lowWater: wholeNumber("--low-water"),
    minTokens: wholeNumber("--min-tokens"),
    window: wholeNumber("--window").refine((n) => n === undefined || n >= 1000, "--window takes a window of at least 1000 tokens, e.g. --window 32000"),
  })
  .refine((a) => a.chartSession === undefined || a.chart !== undefined, {
    message: "--chart-session picks the session for --chart: give --chart FILE.svg too",
  });
export type BenchArgs = z.infer<typeof BenchArgs>;

const FLAG_OF: Record<string, string> = {
  keepLast: "--keep-last",
  highWaterTokens: "--high-water",
  lowWaterTokens: "--low-water",
  minTokens: "--min-tokens",
};

/** Turns argv into validated arguments (or "help"), or throws a UsageError naming the problem and the fix. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean", default: false },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        chart: { type: "string" },
        "chart-session": { type: "string" },
        policies: { type: "string" },
        "keep-last": { type: "string" },
        "high-water": { type: "string" },
        "low-water": { type: "string" },
        "min-tokens": { type: "string" },
        window: { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return "help";
  const result = BenchArgs.safeParse({
    paths: parsed.positionals,
    json: v.json,
    quiet: v.quiet,
    chart: v.chart,
    chartSession: v["chart-session"],
    policies: v.policies,
    keepLast: v["keep-last"],
    highWater: v["high-water"],
    lowWater: v["low-water"],
    minTokens: v["min-tokens"],
    window: v.window,
  });
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join("; "));
  return result.data;
}

/** The endless policy config: the plugin's defaults, with the flags given, checked by the plugin's schema. */
export function benchConfig(args: BenchArgs): PolicyConfig {
  const given = {
    keepLast: args.keepLast,
    highWaterTokens: args.highWater,
    lowWaterTokens: args.lowWater,
    minTokens: args.minTokens,
  };
  const options = EndlessOptions.safeParse(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)));
  if (!options.success) {
    const problems = options.error.issues.map((i) => {
      const key = String(i.path[0] ?? "");
      if (key === "lowWaterTokens" && i.code === "custom") return "--low-water must be below --high-water";
      return `${FLAG_OF[key] ?? key}: ${i.message}`;
    });
    throw new UsageError(problems.join("; "));
  }
  return policyOf(options.data);
}

async function writeChart(args: BenchArgs & { chart: string }, report: Awaited<ReturnType<typeof runBench>>, io: CommandIO): Promise<boolean> {
  const session = pickSession(report.perSession, args.chartSession);
  if (session === undefined) {
    io.err(`endless bench: no session matches --chart-session "${args.chartSession}"; use a name from the table or part of a file path`);
    return false;
  }
  await writeFile(args.chart, args.chart.toLowerCase().endsWith(".html") ? renderHtml(session) : renderSvg(session));
  io.err(`chart: wrote ${args.chart} (session ${session.name}, ${session.requests} requests)`);
  return true;
}

export const benchCommand: Command = {
  summary: "replay recorded sessions under every context policy and compare cost, peak context and retention",
  usage: USAGE,
  async run(argv, io) {
    const args = parseBenchArgs(argv);
    if (args === "help") {
      io.out(USAGE);
      return 0;
    }
    const config = benchConfig(args);
    const report = await runBench(args.paths, {
      policies: args.policies,
      config,
      ...(args.window !== undefined ? { window: args.window } : {}),
      progress: args.quiet ? undefined : (line) => io.err(`bench: ${line}`),
    });
    if (report.sessions === 0) {
      io.err(`endless bench: no session could be read from ${args.paths.join(", ")}${report.skipped.length > 0 ? " (see the skipped files above)" : ""}`);
      return 1;
    }
    io.out(args.json ? JSON.stringify(toJson(report, config), null, 2) : textReport(report, args.policies));
    if (args.chart !== undefined && !(await writeChart({ ...args, chart: args.chart }, report, io))) return 1;
    return 0;
  },
};
