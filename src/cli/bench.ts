import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { pickSession, renderHtml, renderSvg } from "../replay/chart.ts";
import { POLICY_NAMES, type PolicyName } from "../replay/policies/index.ts";
import { textReport, toJson } from "../replay/report.ts";
import { defaultOpencodeDb, listStoredSessions, readStoredSession } from "../replay/importers/opencode-db.ts";
import { type Session, type Skipped, stepCount } from "../replay/importers/model.ts";
import { type BenchOptions, type BenchReport, benchSessions, runBench } from "../replay/run.ts";
import { EndlessOptions, type PolicyConfig, policyOf } from "../config/schema.ts";
import { type Command, type CommandIO, openExistingArchive, openOpencodeStorage, progressBar, UsageError } from "./io.ts";
import { openArchiveReadOnly } from "../archive/open.ts";
import { exportLlmCache, type LlmCache, loadLlmCache } from "../replay/llm-cache.ts";
import { CompressionOptions } from "../config/compression.ts";
import { createProviderRegistry } from "../observer/providers.ts";

const USAGE = `usage: endless bench [options] PATH...
       endless bench --opencode [--since DATE] [--session ID] [--opencode-db FILE] [options]

Replays recorded agent sessions under every context policy, side by side: input tokens, peak context,
cost with and without the prompt cache, cache breaks, fact retention, compute time. Each PATH is a session
file or a folder searched recursively for them: opencode export JSON, Claude Code .jsonl transcripts,
SWE-agent .traj, OpenHands trajectory JSON. Unreadable files are skipped with a message. With --opencode
it replays your own sessions straight from opencode's storage (read-only), with a progress bar on stderr.

options:
  --opencode             replay the sessions in opencode's storage instead of files
  --opencode-db FILE     opencode's storage (default: $XDG_DATA_HOME/opencode/opencode.db)
  --since DATE           with --opencode: only sessions updated since DATE (e.g. 2026-11-01)
  --session ID           with --opencode: only this session
  --json                 print one JSON object on stdout instead of the table
  --chart FILE           write a chart of context size per request (FILE ends in .svg or .html)
  --chart-session NAME   the session to chart: its name or part of its path (default: most requests)
  --policies LIST        comma-separated, from: ${POLICY_NAMES.join(", ")} (default: all)
  --keep-last N          endless: the newest N outputs stay raw
  --high-water N         endless: a batch starts when more raw output tokens than this wait
  --low-water N          endless: a batch compresses until at most this many remain
  --min-tokens N         endless: smaller outputs are never compressed
  --first-sight-chars N  endless: longer outputs are sent as their first lines and observation (0: whole)
  --llm-cache FILE       endless: use the LLM observations in FILE (keyed by prompt version and output hash)
  --llm-cache-from DB    first write FILE from the LLM observations in this Endless archive
  --llm-model P/M        ask this model for outputs FILE has no answer for, and save the answers to FILE
                         (key from the provider's env variable or opencode's auth.json; calls cost money)
  --llm-base-url URL     the model's API base URL, ending in /v1 (default: the provider's public API)
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

const since = z
  .string()
  .optional()
  .transform((text, ctx): number | undefined => {
    if (text === undefined) return undefined;
    const time = Date.parse(text);
    if (Number.isNaN(time)) {
      ctx.addIssue({ code: "custom", message: `--since takes a date, e.g. --since 2026-11-01 (got "${text}")` });
      return z.NEVER;
    }
    return time;
  });

export const BenchArgs = z
  .object({
    paths: z.array(z.string()),
    opencode: z.boolean(),
    opencodeDb: z.string().min(1).optional(),
    since,
    session: z.string().min(1).optional(),
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
    firstSightChars: wholeNumber("--first-sight-chars"),
    window: wholeNumber("--window").refine((n) => n === undefined || n >= 1000, "--window takes a window of at least 1000 tokens, e.g. --window 32000"),
    llmCache: z.string().min(1).optional(),
    llmCacheFrom: z.string().min(1).optional(),
    llmModel: z.string().regex(/^[^/\s]+\/\S+$/, '--llm-model takes "provider/model", e.g. anthropic/claude-haiku-4-5').optional(),
    llmBaseUrl: z.string().url("--llm-base-url takes a URL, e.g. http://127.0.0.1:11434/v1").optional(),
  })
  .refine((a) => a.llmModel === undefined || a.llmCache !== undefined, {
    message: "--llm-model saves its answers to the cache file: give --llm-cache FILE too",
  })
  .refine((a) => a.llmCacheFrom === undefined || a.llmCache !== undefined, {
    message: "--llm-cache-from ARCHIVE writes the cache file: give --llm-cache FILE too",
  })
  .refine((a) => a.chartSession === undefined || a.chart !== undefined, {
    message: "--chart-session picks the session for --chart: give --chart FILE.svg too",
  })
  .refine((a) => a.opencode || a.paths.length > 0, {
    message: "give at least one session file or folder, e.g. `endless bench ../shared/corpus`, or --opencode for your own sessions",
  })
  .refine((a) => !a.opencode || a.paths.length === 0, {
    message: "--opencode reads opencode's storage: give no PATH with it (or drop --opencode to read files)",
  })
  .refine((a) => a.opencode || (a.since === undefined && a.session === undefined && a.opencodeDb === undefined), {
    message: "--since, --session and --opencode-db choose sessions in opencode's storage: give --opencode too",
  });
export type BenchArgs = z.infer<typeof BenchArgs>;

const FLAG_OF: Record<string, string> = {
  keepLast: "--keep-last",
  highWaterTokens: "--high-water",
  lowWaterTokens: "--low-water",
  minTokens: "--min-tokens",
  firstSightChars: "--first-sight-chars",
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
        opencode: { type: "boolean", default: false },
        "opencode-db": { type: "string" },
        since: { type: "string" },
        session: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
        chart: { type: "string" },
        "chart-session": { type: "string" },
        policies: { type: "string" },
        "keep-last": { type: "string" },
        "high-water": { type: "string" },
        "low-water": { type: "string" },
        "min-tokens": { type: "string" },
        "first-sight-chars": { type: "string" },
        "llm-cache": { type: "string" },
        "llm-cache-from": { type: "string" },
        "llm-model": { type: "string" },
        "llm-base-url": { type: "string" },
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
    opencode: v.opencode,
    opencodeDb: v["opencode-db"],
    since: v.since,
    session: v.session,
    json: v.json,
    quiet: v.quiet,
    chart: v.chart,
    chartSession: v["chart-session"],
    policies: v.policies,
    keepLast: v["keep-last"],
    highWater: v["high-water"],
    lowWater: v["low-water"],
    minTokens: v["min-tokens"],
    firstSightChars: v["first-sight-chars"],
    llmCache: v["llm-cache"],
    llmCacheFrom: v["llm-cache-from"],
    llmModel: v["llm-model"],
    llmBaseUrl: v["llm-base-url"],
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
    firstSightChars: args.firstSightChars,
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

/**
 * Reads the user's sessions from opencode's storage (read-only) and replays them, a progress bar on
 * stderr. Undefined (after saying why) when the storage cannot be read or the session is not in it.
 */
async function benchOpencode(args: BenchArgs, options: Omit<BenchOptions, "progress">, io: CommandIO): Promise<BenchReport | undefined> {
  const path = args.opencodeDb ?? defaultOpencodeDb();
  const db = openOpencodeStorage(path);
  try {
    const stored = listStoredSessions(db, { since: args.since, sessionID: args.session });
    if (args.session !== undefined && stored.length === 0) {
      io.err(`endless bench: no session ${args.session} in ${path}: \`opencode session list\` shows the ids`);
      return undefined;
    }
    const sessions: Session[] = [];
    const skipped: Skipped[] = [];
    for (const entry of stored) {
      const session = readStoredSession(db, entry, path);
      if (stepCount(session) > 0) sessions.push(session);
      else skipped.push({ file: session.file, reason: "it holds no model calls" });
    }
    if (!args.quiet) io.err(`bench: read ${sessions.length} sessions from ${path}${skipped.length > 0 ? ` (${skipped.length} without model calls skipped)` : ""}`);
    const bar = progressBar(io, sessions.length, "sessions");
    const report = await benchSessions(sessions, { ...options, progress: args.quiet ? undefined : (line) => bar.tick(line.replace(/^\[\d+\/\d+\] /, "")) }, skipped);
    if (!args.quiet) bar.done();
    return report;
  } finally {
    db.close();
  }
}

/** The model that fills the cache (--llm-model), reached with what opencode's env and auth.json hold. */
function cacheFiller(args: BenchArgs) {
  if (args.llmModel === undefined) return undefined;
  const resolved = createProviderRegistry().resolve(args.llmModel, args.llmBaseUrl === undefined ? {} : { baseURL: args.llmBaseUrl });
  if (!resolved.ok) throw new UsageError(`--llm-model ${args.llmModel}: ${resolved.problem} (for the bench: --llm-base-url, or the provider's key variable)`);
  const defaults = CompressionOptions.parse({});
  return { model: args.llmModel, endpoint: resolved.endpoint, maxTokens: defaults.maxObservationTokens, timeoutMs: defaults.timeoutMs, minOutputTokens: defaults.minOutputTokens };
}

/** Says where the endless figures' observations came from; with no cache, that no LLM figure exists. */
export function llmNote(llm: LlmCache | undefined): { text: string; json: object | null } {
  if (llm === undefined) {
    return { text: "LLM observations: none (no --llm-cache given, and the bench calls no model): the endless figures are the fast compressors'", json: null };
  }
  const { asked, found, rejected, modelCalls, modelTokens, modelFailures } = llm.stats;
  const asking = modelCalls === 0 ? "" : `; ${modelCalls} asked of the model this run (${modelTokens} tokens, ${modelFailures} failed), saved to the file`;
  return {
    text: `LLM observations: from ${llm.file} (prompt version ${llm.promptVersion}): ${found} of ${asked} observations made had a usable answer (${rejected} failed the checks)${asking}; each stands in from its call's first batch on, so the savings are an upper bound`,
    json: { file: llm.file, promptVersion: llm.promptVersion, ...llm.stats },
  };
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
    if (args.llmCacheFrom !== undefined && args.llmCache !== undefined) {
      const db = openExistingArchive(args.llmCacheFrom, openArchiveReadOnly);
      const written = await exportLlmCache(db, args.llmCache);
      db.close();
      io.err(`bench: wrote ${written} LLM observations from ${args.llmCacheFrom} to ${args.llmCache}`);
    }
    const llm = args.llmCache === undefined ? undefined : await loadLlmCache(args.llmCache, cacheFiller(args)).catch((error: unknown) => {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    });
    const options = { policies: args.policies, config, llm, ...(args.window !== undefined ? { window: args.window } : {}) };
    const report = args.opencode
      ? await benchOpencode(args, options, io)
      : await runBench(args.paths, { ...options, progress: args.quiet ? undefined : (line) => io.err(`bench: ${line}`) });
    if (report === undefined) return 1;
    if (report.sessions === 0) {
      const from = args.opencode ? `opencode's storage${args.since === undefined ? "" : " since --since"}` : args.paths.join(", ");
      io.err(`endless bench: no session could be read from ${from}${report.skipped.length > 0 ? " (see the skipped ones above)" : ""}`);
      return 1;
    }
    await llm?.save();
    const note = args.policies.includes("endless") ? llmNote(llm) : undefined;
    const table = textReport(report, args.policies);
    io.out(args.json ? JSON.stringify({ ...toJson(report, config), llmObservations: note?.json ?? null }, null, 2) : note ? `${table}\n\n${note.text}` : table);
    if (args.chart !== undefined && !(await writeChart({ ...args, chart: args.chart }, report, io))) return 1;
    return 0;
  },
};
