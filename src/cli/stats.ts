import { parseArgs } from "node:util";
import { z } from "zod";
import { defaultArchivePath, openArchiveReadOnly } from "../archive/open.ts";
import { type SessionStats, sessionStats } from "../archive/stats.ts";
import { type Command, openExistingArchive, UsageError } from "./io.ts";

const USAGE = `usage: endless stats [--archive FILE] [--session ID] [--json]

What Endless did per session, from its archive: tool calls archived, their tokens, how many are sent as
observations and what that saves, and how often the frontier moved.

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
    db.close();
    if (parsed.data.json) io.out(JSON.stringify(stats, null, 2));
    else io.out(stats.length === 0 ? `no sessions in ${parsed.data.archive}` : stats.map(row).join("\n"));
    return 0;
  },
};
