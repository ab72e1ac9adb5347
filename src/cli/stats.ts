import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { defaultArchivePath, openArchiveReadOnly } from "../archive/open.ts";
import { type CompressionBill, compressionBill, sessionStats } from "../archive/stats.ts";
import { formatCount, formatUsd } from "../format/number.ts";
import { defaultOpencodeDb } from "../replay/importers/opencode-db.ts";
import { type SessionBill, sessionBill } from "./bill.ts";
import { type Command, openExistingArchive, openOpencodeStorage, UsageError } from "./io.ts";

const USAGE = `usage: endless stats [--archive FILE] [--opencode-db FILE] [--session ID] [--json]

The whole bill per session: tokens sent against what stock opencode would have sent, the prompt-cache
figures, the cache rewrites and compression-model spend Endless caused (model calls, jobs, what the
LLM observations save per request and the cache writes their swap-in caused), server-side edits, and the net
saving in tokens and in dollars at the model's list price; without --session, the LLM observations of all
sessions too. Figures opencode recorded from the provider
are marked "reported"; Endless's own counts are marked "estimated".

options:
  --archive FILE      the archive (default: $XDG_DATA_HOME/opencode-endless/archive.db, as the plugin uses)
  --opencode-db FILE  opencode's storage, read-only, for the reported usage (default: $XDG_DATA_HOME/opencode/opencode.db)
  --session ID        one session only
  --json              one JSON array on stdout
  -h, --help          this text`;

const StatsArgs = z.object({
  archive: z.string().min(1),
  opencodeDb: z.string().min(1).optional(),
  session: z.string().min(1).optional(),
  json: z.boolean(),
});

/** LLM observations: what the model calls cost against what they save; undefined when none ran. */
function billLine(bill: CompressionBill, indent: string): string | undefined {
  const j = bill.jobs;
  const queued = j.pending + j.running + j.done + j.failed + j.skipped;
  if (queued === 0 && bill.spent.calls === 0) return undefined;
  const cost =
    bill.spent.unpricedCalls === 0
      ? formatUsd(bill.spent.costUsd)
      : `${formatUsd(bill.spent.costUsd)} + ${bill.spent.unpricedCalls} calls with no known price (set compression.prices)`;
  return [
    `LLM observations: ${bill.spent.calls} model calls, ${bill.spent.inputTokens} in + ${bill.spent.outputTokens} out tokens, ${cost};`,
    `jobs ${j.done} done, ${j.pending + j.running} waiting, ${j.failed} failed, ${j.skipped} skipped;`,
    `${bill.llmRendered} calls sent as LLM observations, ${bill.savedTokensPerRequest} tokens fewer per request than the fast ones;`,
    `${bill.swaps} batches swapped them in, making the cache write ${bill.swapCacheWriteTokens} tokens again`,
  ].join(`\n${indent}`);
}


function row(b: SessionBill): string {
  const lines = [`${b.sessionID}: ${formatCount(b.toolCalls)} tool calls archived, ${formatCount(b.endless.requests)} requests shaped by Endless`];
  const add = (label: string, text: string) => lines.push(`  ${label.padEnd(20)}${text}`);
  const reported = b.reported;
  add("sent", `${formatCount(b.sent.tokens)} input tokens [${b.sent.source}]${reported ? ` over ${formatCount(reported.requests)} requests, ${formatCount(reported.outputTokens)} output tokens` : ""}`);
  add("stock would send", `${formatCount(b.stockTokens)} input tokens [${b.sent.source === "reported" ? "reported + estimated" : "estimated"}]`);
  add(
    "prompt cache",
    b.cache.source === "reported"
      ? `${formatCount(b.cache.readTokens)} read, ${formatCount(b.cache.writeTokens)} written [reported]`
      : reported
        ? "no cache figures in the provider's usage [not reported]"
        : "no reported usage for this session [not reported]",
  );
  add("kept out", `${formatCount(b.endless.savedTokens)} tool-output tokens (${formatCount(b.endless.toolTokensRaw)} raw -> ${formatCount(b.endless.toolTokensSent)} sent) [estimated]`);
  add("cache rewrites", `${formatCount(b.endless.batches)} batches, ${formatCount(b.endless.rewriteTokens)} tool tokens written to the cache again [estimated]`);
  add("compression model", billLine(b.compression, " ".repeat(22)) ?? "no LLM observations: 0 tokens, $0");
  add(
    "server-side edits",
    b.serverEdits.reported
      ? `cleared ${formatCount(b.serverEdits.clearedToolUses)} tool uses (${formatCount(b.serverEdits.clearedInputTokens)} tokens) [reported]`
      : "not reported by stock opencode (see `endless patch-opencode`)",
  );
  const money = b.net.usd;
  add(
    "net saving",
    `${formatCount(b.net.tokens)} tokens; ${
      money
        ? `${formatUsd(money.net)} at ${money.price} list price (${formatUsd(money.saved)} kept out at the cache-read price, -${formatUsd(money.cacheRewrites)} cache rewrites, -${formatUsd(money.compression)} compression) [estimated]`
        : `no list price for ${reported?.models[0] ?? "this session's model"}: tokens only`
    }`,
  );
  if (reported && reported.costUSD > 0) add("opencode's cost", `${formatUsd(reported.costUSD)} for the session as sent [reported]`);
  return lines.join("\n");
}

/**
 * opencode's storage for the reported figures: the one named must be readable; the default one is used
 * when it exists (without it the figures are Endless's estimates, and the output says so).
 */
function openStorage(named: string | undefined): { db?: Database; note?: string } {
  const path = named ?? defaultOpencodeDb();
  if (named === undefined && !existsSync(path)) return { note: `no opencode storage at ${path}: figures are Endless's estimates; pass --opencode-db FILE for reported usage` };
  return { db: openOpencodeStorage(path) };
}

export const statsCommand: Command = {
  summary: "the whole bill per session: sent vs stock, cache, rewrites, compression spend, net saving",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        archive: { type: "string" },
        "opencode-db": { type: "string" },
        session: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const parsed = StatsArgs.safeParse({ ...values, opencodeDb: values["opencode-db"], archive: values.archive ?? defaultArchivePath() });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; "));
    const args = parsed.data;
    const db = openExistingArchive(args.archive, openArchiveReadOnly);
    const storage = openStorage(args.opencodeDb);
    try {
      const stats = sessionStats(db, args.session);
      if (args.session !== undefined && stats.length === 0) {
        io.err(`endless stats: no session ${args.session} in ${args.archive}: run \`endless stats\` without --session to list the archived sessions`);
        return 1;
      }
      const bills = stats.map((s) => sessionBill({ db, stats: s, opencode: storage.db }));
      if (storage.note !== undefined) io.err(`endless stats: ${storage.note}`);
      if (args.json) io.out(JSON.stringify(bills, null, 2));
      else if (bills.length === 0) io.out(`no sessions in ${args.archive}`);
      else {
        const total = args.session === undefined ? billLine(compressionBill(db), "  ") : undefined;
        io.out([...bills.map(row), ...(total === undefined ? [] : [`all sessions, compression model:\n  ${total}`])].join("\n\n"));
      }
      return 0;
    } finally {
      db.close();
      storage.db?.close();
    }
  },
};
