import { parseArgs } from "node:util";
import { z } from "zod";
import { defaultArchivePath, openArchiveReadOnly } from "../archive/open.ts";
import { type CompressionBill, compressionBill, type SessionStats, sessionStats } from "../archive/stats.ts";
import { type Command, openExistingArchive, UsageError } from "./io.ts";

const USAGE = `usage: endless stats [--archive FILE] [--session ID] [--json]

What Endless did per session, from its archive: tool calls archived, their tokens, how many are sent as
observations and what that saves, and how often the frontier moved; with a compression model configured,
what the LLM observations cost (tokens, USD), how many jobs ran, what they save per request, and the cache
writes their swap-in caused, per session and for all sessions.

options:
  --archive FILE   the archive (default: $XDG_DATA_HOME/opencode-endless/archive.db, as the plugin uses)
  --session ID     one session only
  --json           one JSON array on stdout
  -h, --help       this text`;

const StatsArgs = z.object({
  archive: z.string().min(1),
  session: z.string().min(1).optional(),
  json: z.boolean(),
});

/** One line on LLM observations: what the model calls cost against what they save; nothing when none ran. */
function billLine(bill: CompressionBill): string | undefined {
  const j = bill.jobs;
  const queued = j.pending + j.running + j.done + j.failed + j.skipped;
  if (queued === 0 && bill.spent.calls === 0) return undefined;
  const cost =
    bill.spent.unpricedCalls === 0
      ? `$${bill.spent.costUsd.toFixed(4)}`
      : `$${bill.spent.costUsd.toFixed(4)} + ${bill.spent.unpricedCalls} calls with no known price (set compression.prices)`;
  return [
    `  LLM observations: ${bill.spent.calls} model calls, ${bill.spent.inputTokens} in + ${bill.spent.outputTokens} out tokens, ${cost};`,
    `    jobs ${j.done} done, ${j.pending + j.running} waiting, ${j.failed} failed, ${j.skipped} skipped;`,
    `    ${bill.llmRendered} calls sent as LLM observations, ${bill.savedTokensPerRequest} tokens fewer per request than the fast ones;`,
    `    ${bill.swaps} batches swapped them in, making the cache write ${bill.swapCacheWriteTokens} tokens again`,
  ].join("\n");
}

function row(s: SessionStats): string {
  const saved = s.compressedOutputTokens - s.observationTokens;
  const edits = s.serverEdits.reported
    ? `server cleared ${s.serverEdits.clearedToolUses} tool uses (${s.serverEdits.clearedInputTokens} tokens)`
    : "server-side clearing: not reported by stock opencode (see `endless patch-opencode`)";
  const usage = s.usage
    ? [`  ${s.usage.steps} LLM steps: ${s.usage.inputTokens} input, ${s.usage.cacheReadTokens} cache read, ${s.usage.cacheWriteTokens} cache write, ${s.usage.outputTokens} output tokens`]
    : [];
  return [
    `${s.sessionID}: ${s.toolCalls} tool calls archived, ${s.outputTokens} output tokens`,
    `  ${s.compressedCalls} sent as observations after ${s.batches} batches: ${s.compressedOutputTokens} -> ${s.observationTokens} tokens (${saved} fewer per request)`,
    ...usage,
    `  ${edits}`,
    ...(billLine(s.compression) === undefined ? [] : [billLine(s.compression)!]),
  ].join("\n");
}

export const statsCommand: Command = {
  summary: "what Endless did per session, from its archive",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseArgs({
      args: [...argv],
      options: { archive: { type: "string" }, session: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
      strict: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const parsed = StatsArgs.safeParse({ ...values, archive: values.archive ?? defaultArchivePath() });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; "));
    const db = openExistingArchive(parsed.data.archive, openArchiveReadOnly);
    const stats = sessionStats(db, parsed.data.session);
    const total = parsed.data.session === undefined ? billLine(compressionBill(db)) : undefined;
    db.close();
    if (parsed.data.json) io.out(JSON.stringify(stats, null, 2));
    else if (stats.length === 0) io.out(`no sessions in ${parsed.data.archive}`);
    else io.out([...stats.map(row), ...(total === undefined ? [] : [`all sessions:\n${total}`])].join("\n"));
    return 0;
  },
};
