import type { PolicyConfig } from "../config/schema.ts";
import { PRICE } from "./cache-model.ts";
import type { ByPolicy, PolicyTotals } from "./metrics.ts";
import type { PolicyName } from "./policies/index.ts";
import type { BenchReport, SessionResult } from "./run.ts";

/**
 * The bench's two outputs: a table for people and one JSON object for programs.
 *
 * JSON schema (`endless bench --json`), all token counts from ai-tokenizer's claude encoding:
 *   { sessions, toolCalls, requests, references: number,
 *     skipped: [{ file, reason }],
 *     settings: { tokenizer, price: { inputPerMTok, cacheWrite, cacheRead }, endless: PolicyConfig, window: number | null },
 *     policies: { [policy]: Totals },
 *     perSession: [{ name, file, source, toolCalls, requests, references, policies: { [policy]: Totals } }],
 *     elapsedMs }
 *   Totals = { inputTokens, peakTokens, toolOutputTokens, cachedTokens, costUSD, costNoCacheUSD, cacheBreaks,
 *              retention: share | null, recallable: share | null, ms, overWindow: number | null,
 *              requests, references, retained, recalled }
 * Over several sessions peakTokens is the largest request of all; shares are pooled over references;
 * recallable is null for policies that have no recall tool; overWindow (requests above --window, with
 * endless folding as the plugin does) is null without --window.
 *
 * @module
 */

export const TOKENIZER = "ai-tokenizer 1.0.6, claude encoding";

export function toJson(report: BenchReport, config: PolicyConfig): object {
  return {
    sessions: report.sessions,
    toolCalls: report.toolCalls,
    requests: report.requests,
    references: report.references,
    skipped: report.skipped,
    settings: { tokenizer: TOKENIZER, price: PRICE, endless: config, window: report.window ?? null },
    policies: report.policies,
    perSession: report.perSession.map(({ context: _, ...session }) => session),
    elapsedMs: Math.round(report.elapsedMs),
  };
}

const tokens = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n));
const ratio = (n: number, base: number): string => (base === 0 ? "-" : (n / base).toFixed(2));
const percent = (share: number | null): string => (share === null ? "-" : `${(share * 100).toFixed(1)}%`);
const money = (usd: number): string => usd.toFixed(2);

/** Lays rows out in columns: the first left-aligned, the rest right-aligned. */
export function layout(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows
    .map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "))
    .join("\n");
}

/** Keeps both ends of a long name: runs of one task differ at the end, sources at the start. */
function shorten(name: string, width = 44): string {
  if (name.length <= width) return name;
  const head = Math.floor((width - 1) / 3);
  return `${name.slice(0, head)}…${name.slice(name.length - (width - 1 - head))}`;
}

export function totalsTable(policies: ByPolicy<PolicyTotals>): string {
  const base = policies.none;
  const rel = (pick: (t: PolicyTotals) => number, t: PolicyTotals) => (base ? ratio(pick(t), pick(base)) : "-");
  const rows = [
    ["policy", "input", "×none", "peak", "×none", "tool out", "cost $", "×none", "no-cache $", "×none", "breaks", "retention", "recallable", "ms"],
  ];
  for (const [name, t] of Object.entries(policies) as [PolicyName, PolicyTotals][]) {
    rows.push([
      name,
      tokens(t.inputTokens),
      rel((x) => x.inputTokens, t),
      tokens(t.peakTokens),
      rel((x) => x.peakTokens, t),
      tokens(t.toolOutputTokens),
      money(t.costUSD),
      rel((x) => x.costUSD, t),
      money(t.costNoCacheUSD),
      rel((x) => x.costNoCacheUSD, t),
      String(t.cacheBreaks),
      percent(t.retention),
      percent(t.recallable),
      String(Math.round(t.ms)),
    ]);
  }
  return layout(rows);
}

/** One row per session: its size, then each policy's cost and peak relative to `none`. */
export function sessionsTable(sessions: readonly SessionResult[], policies: readonly PolicyName[]): string {
  const others = policies.filter((p) => p !== "none");
  const last = others.at(-1);
  const rows = [["session", "source", "calls", "reqs", "none $", ...others.map((p) => `${p} $× pk×`), `${last ?? ""} retention`]];
  for (const s of sessions) {
    const base = s.policies.none;
    rows.push([
      shorten(s.name),
      s.source,
      String(s.toolCalls),
      String(s.requests),
      base ? money(base.costUSD) : "-",
      ...others.map((p) => {
        const t = s.policies[p];
        return t && base ? `${ratio(t.costUSD, base.costUSD)} ${ratio(t.peakTokens, base.peakTokens)}` : "-";
      }),
      last ? percent(s.policies[last]?.retention ?? null) : "-",
    ]);
  }
  return layout(rows);
}

/** The targets for endless against none, each with its measured value. */
export function targetLines(policies: ByPolicy<PolicyTotals>): string[] {
  const e = policies.endless;
  const n = policies.none;
  if (!e || !n) return [];
  const check = (ok: boolean) => (ok ? "met" : "MISSED");
  const cost = e.costUSD / n.costUSD;
  const peak = e.peakTokens / n.peakTokens;
  const cold = e.costNoCacheUSD / n.costNoCacheUSD;
  return [
    `cost with cache     ${cost.toFixed(2)}x none (target <= 0.70): ${check(cost <= 0.7)}`,
    `peak context        ${peak.toFixed(2)}x none (target <= 0.40): ${check(peak <= 0.4)}`,
    `cost without cache  ${cold.toFixed(2)}x none (target <= 0.45): ${check(cold <= 0.45)}`,
    `in-context retention ${percent(e.retention)} (target >= 90%): ${check((e.retention ?? 1) >= 0.9)}`,
    `recallable          ${percent(e.recallable)} (target 100%): ${check((e.recallable ?? 1) >= 1)}`,
  ];
}

export function textReport(report: BenchReport, policies: readonly PolicyName[]): string {
  const seconds = (report.elapsedMs / 1000).toFixed(1);
  const parts = [
    sessionsTable(report.perSession, policies),
    "",
    `${report.sessions} sessions, ${report.toolCalls} tool calls, ${report.requests} requests, ${report.references} later references; ${report.skipped.length} files skipped; ${seconds}s`,
    `tokens: ${TOKENIZER}; cost: $${PRICE.inputPerMTok}/M input, cache writes ${PRICE.cacheWrite}x, cache reads ${PRICE.cacheRead}x; peak = the largest request`,
    "",
    totalsTable(report.policies),
  ];
  if (report.window !== undefined) {
    const over = Object.entries(report.policies).map(([name, t]) => `${name} ${t?.overWindow ?? "-"}`);
    parts.push("", `requests over the ${report.window}-token window (endless folding): ${over.join(", ")}`);
  }
  const targets = targetLines(report.policies);
  if (targets.length > 0) parts.push("", "endless against none:", ...targets.map((l) => `  ${l}`));
  for (const s of report.skipped) parts.push(`skipped ${s.file}: ${s.reason}`);
  return parts.join("\n");
}
