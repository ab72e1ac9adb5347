import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { defaultArchivePath, openArchiveReadOnly } from "../archive/open.ts";
import { type RequestRecord, sessionRequests, requestTotals } from "../archive/requests.ts";
import { compressionSpend, type LargeOutput, largestOutputs } from "../archive/stats.ts";
import { defaultPolicyConfig } from "../config/schema.ts";
import { formatCount, formatUsd } from "../format/number.ts";
import { renderSvg } from "../replay/chart.ts";
import { stepCount } from "../replay/importers/model.ts";
import { defaultOpencodeDb, listStoredSessions, readStoredSession } from "../replay/importers/opencode-db.ts";
import { benchSessions, type SessionResult } from "../replay/run.ts";
import { type Command, openExistingArchive, openOpencodeStorage, UsageError } from "./io.ts";

const USAGE = `usage: endless report SESSION [--out FILE.html] [--archive FILE] [--opencode-db FILE]

One self-contained HTML page (no network) for one of your sessions: its context size per request with
stock opencode and with Endless (the session replayed from opencode's storage under both), where the
batches happened, the tokens saved and spent, and the largest outputs with what they became.

options:
  --out FILE.html     where to write it (default: endless-report-SESSION.html)
  --archive FILE      Endless's archive (default: $XDG_DATA_HOME/opencode-endless/archive.db)
  --opencode-db FILE  opencode's storage, read-only (default: $XDG_DATA_HOME/opencode/opencode.db)
  -h, --help          this text`;

/** The policies the page compares: one chart series each. */
export const REPORT_POLICIES = ["none", "endless"] as const;

export interface ReportData {
  readonly sessionID: string;
  readonly title: string;
  readonly replay: SessionResult;
  /** From Endless's archive; absent when Endless was not on for this session. */
  readonly archived?: {
    readonly requests: readonly RequestRecord[];
    readonly savedTokens: number;
    readonly rewriteTokens: number;
    readonly spentUSD: number;
    readonly largest: readonly LargeOutput[];
  };
}

const escapeHtml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c]!);
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max)}…`);
/** A long sent text: its head, and its last line, which holds the recall handle. */
const headAndHandle = (text: string, max: number): string => {
  if (text.length <= max) return text;
  const last = text.slice(text.lastIndexOf("\n") + 1);
  return `${text.slice(0, max)}\n…\n${clip(last, 200)}`;
};

function archivedSection(archived: ReportData["archived"]): string {
  if (archived === undefined) return "<h2>Endless in this session</h2><p>This session is not in Endless's archive: Endless was not on for it. The chart above is the replay.</p>";
  const batches = archived.requests.map((r, i) => ({ ...r, index: i + 1 })).filter((r) => r.freedTokens > 0);
  const batchRows = batches
    .map((b) => `<tr><td>${b.index}</td><td>${b.batch}</td><td>${formatCount(b.freedTokens)}</td><td>${formatCount(b.rewriteTokens)}</td></tr>`)
    .join("\n");
  const largestRows = archived.largest
    .map(
      (o) =>
        `<tr><td>${escapeHtml(o.tool)}</td><td><code>${escapeHtml(clip(o.input, 120))}</code></td><td>${formatCount(o.tokens)}</td><td>${formatCount(o.sentTokens)}</td><td><pre>${escapeHtml(headAndHandle(o.sentAs ?? "(still sent raw)", 600))}</pre></td></tr>`,
    )
    .join("\n");
  return `<h2>Endless in this session (from its archive)</h2>
<p id="saved">${formatCount(archived.savedTokens)} tool-output tokens kept out of ${formatCount(archived.requests.length)} requests; ${batches.length} batches (cache rewrites) wrote ${formatCount(archived.rewriteTokens)} tool tokens to the cache again; compression model spend ${formatUsd(archived.spentUSD)}.</p>
<h3>Batches</h3>
<table id="batches"><tr><th>request</th><th>batch</th><th>tokens freed</th><th>tokens rewritten</th></tr>
${batchRows || '<tr><td colspan="4">no batch yet</td></tr>'}
</table>
<h3>Largest outputs, and what they became</h3>
<table id="largest"><tr><th>tool</th><th>input</th><th>tokens</th><th>tokens sent</th><th>sent as</th></tr>
${largestRows}
</table>`;
}

/** The page: inline SVG and CSS only, no script and nothing fetched. */
export function renderReport(data: ReportData): string {
  const totals = REPORT_POLICIES.map((p) => {
    const t = data.replay.policies[p]!;
    return `<tr><td>${p}</td><td>${formatCount(t.inputTokens)}</td><td>${formatCount(t.peakTokens)}</td><td>${t.costUSD.toFixed(4)}</td><td>${t.cacheBreaks}</td></tr>`;
  }).join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Endless report: ${escapeHtml(data.title)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse;margin:8px 0}td,th{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:right;vertical-align:top}td:first-child,th:first-child{text-align:left}pre{white-space:pre-wrap;text-align:left;margin:0;font-size:11px;max-width:520px}code{font-size:11px}#largest td:nth-child(2),#largest th:nth-child(2),#largest th:last-child{text-align:left}</style>
</head><body>
<h1>Endless report: ${escapeHtml(data.title)}</h1>
<p>Session <code>${escapeHtml(data.sessionID)}</code>: ${formatCount(data.replay.toolCalls)} tool calls, ${formatCount(data.replay.requests)} model requests, replayed from opencode's storage under stock opencode (none) and Endless at its default options, tokens counted with one tokenizer; cost at $3 per million input tokens with the prompt-cache model of <code>endless bench</code>.</p>
<div id="chart">${renderSvg(data.replay)}</div>
<table id="totals"><tr><th>policy</th><th>input tokens</th><th>peak</th><th>cost $</th><th>cache breaks</th></tr>
${totals}
</table>
${archivedSection(data.archived)}
</body></html>
`;
}

export const reportCommand: Command = {
  summary: "one self-contained HTML page for a session: context per request stock vs Endless, batches, largest outputs",
  usage: USAGE,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: { out: { type: "string" }, archive: { type: "string" }, "opencode-db": { type: "string" }, help: { type: "boolean", short: "h", default: false } },
        strict: true,
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (parsed.values.help) {
      io.out(USAGE);
      return 0;
    }
    const [sessionID, ...extra] = parsed.positionals;
    if (sessionID === undefined || extra.length > 0) throw new UsageError("give exactly one session id, e.g. `endless report ses_abc123` (`endless stats` lists them)");
    const out = parsed.values.out ?? `endless-report-${sessionID}.html`;
    if (!out.toLowerCase().endsWith(".html")) throw new UsageError(`--out ${out}: the report is HTML, give a file ending in .html`);
    const storagePath = parsed.values["opencode-db"] ?? defaultOpencodeDb();
    const storage = openOpencodeStorage(storagePath);
    try {
      const [stored] = listStoredSessions(storage, { sessionID });
      if (stored === undefined) {
        io.err(`endless report: no session ${sessionID} in ${storagePath}: \`opencode session list\` shows the ids, or pass --opencode-db`);
        return 1;
      }
      const session = readStoredSession(storage, stored, storagePath);
      if (stepCount(session) === 0) {
        io.err(`endless report: session ${sessionID} holds no model calls yet: nothing to chart`);
        return 1;
      }
      const bench = await benchSessions([session], { policies: REPORT_POLICIES, config: defaultPolicyConfig() });
      const archivePath = parsed.values.archive ?? defaultArchivePath();
      const archived = parsed.values.archive === undefined && !existsSync(archivePath) ? undefined : readArchived(openExistingArchive(archivePath, openArchiveReadOnly), sessionID);
      await writeFile(out, renderReport({ sessionID, title: stored.title || stored.slug, replay: bench.perSession[0]!, archived }));
      io.out(`wrote ${out} (${session.name}: ${bench.requests} requests${archived ? "" : "; not in Endless's archive"})`);
      return 0;
    } finally {
      storage.close();
    }
  },
};

function readArchived(db: Database, sessionID: string): ReportData["archived"] {
  try {
    const requests = sessionRequests(db, sessionID);
    const largest = largestOutputs(db, sessionID);
    if (requests.length === 0 && largest.length === 0) return undefined;
    const totals = requestTotals(db, sessionID);
    return { requests, savedTokens: totals.savedTokens, rewriteTokens: totals.rewriteTokens, spentUSD: compressionSpend(db, sessionID).costUSD, largest };
  } finally {
    db.close();
  }
}
