import type { PolicyConfig } from "../config/schema.ts";
import { PRICE } from "./cache-model.ts";
import { addFamily, type ByPolicy, type FamilyTotals, NO_CALLS, type PolicyTotals } from "./metrics.ts";
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
 *     worstSessions: [{ name, file, source, requests, costRatio }],
 *     perSession: [{ name, file, source, toolCalls, requests, references, policies: { [policy]: Totals } }],
 *     elapsedMs }
 *   Totals = { inputTokens, peakTokens, toolOutputTokens, cachedTokens, costUSD, costNoCacheUSD, cacheBreaks,
 *              retention: share | null, recallable: share | null, ms, overWindow: number | null,
 *              requests, references, retained, recalled,
 *              families: { [toolFamily]: { calls, rawTokens, compressed, compressedRawTokens, sentTokens } } }
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
    worstSessions: report.policies.none && report.policies.endless ? worstSessions(report.perSession) : [],
    perSession: report.perSession.map(({ context: _, ...session }) => session),
    elapsedMs: Math.round(report.elapsedMs),
  };
}

/** Every session against none under endless, worst first, for the JSON. */
function worstSessions(sessions: readonly SessionResult[]): { name: string; file: string; source: string; requests: number; costRatio: number }[] {
  return costRatios(sessions, "endless")
    .sort((a, b) => b.ratio - a.ratio || a.session.name.localeCompare(b.session.name))
    .map(({ session, ratio }) => ({ name: session.name, file: session.file, source: session.source, requests: session.requests, costRatio: ratio }));
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

/** Endless's observations against the raw outputs they replaced, over every family. */
export function observationShare(t: PolicyTotals): number | null {
  const all = Object.values(t.families).reduce(addFamily, NO_CALLS);
  return all.compressedRawTokens === 0 ? null : all.sentTokens / all.compressedRawTokens;
}

/** One row per tool family with a replaced output, largest raw share first: what the policy did to it. */
export function familiesTable(t: PolicyTotals): string {
  const families = Object.entries(t.families).sort((a, b) => b[1].rawTokens - a[1].rawTokens || a[0].localeCompare(b[0]));
  const rows = [["family", "calls", "raw out", "compressed", "their raw", "sent as", "share"]];
  const row = (name: string, f: FamilyTotals) => [
    name,
    String(f.calls),
    tokens(f.rawTokens),
    String(f.compressed),
    tokens(f.compressedRawTokens),
    tokens(f.sentTokens),
    percent(f.compressedRawTokens === 0 ? null : f.sentTokens / f.compressedRawTokens),
  ];
  for (const [name, f] of families) if (f.compressed > 0) rows.push(row(name, f));
  const rest = families.filter(([, f]) => f.compressed === 0).map(([, f]) => f);
  if (rest.length > 0) rows.push(row(`(${rest.length} families never compressed)`, rest.reduce(addFamily, NO_CALLS)));
  rows.push(row("all", families.map(([, f]) => f).reduce(addFamily, NO_CALLS)));
  return layout(rows);
}

/** Each session's cost under `policy` as a multiple of its cost under none (sessions without a cost left out). */
export function costRatios(sessions: readonly SessionResult[], policy: PolicyName): { session: SessionResult; ratio: number }[] {
  return sessions.flatMap((session) => {
    const base = session.policies.none?.costUSD;
    const cost = session.policies[policy]?.costUSD;
    return base && cost !== undefined ? [{ session, ratio: cost / base }] : [];
  });
}

const WORST_SHOWN = 10;

/** The sessions where `policy` does worst against none, with their size and what they cost. */
export function worstSessionsTable(sessions: readonly SessionResult[], policy: PolicyName): string {
  const ratios = costRatios(sessions, policy).sort((a, b) => b.ratio - a.ratio || a.session.name.localeCompare(b.session.name));
  const rows = [["session", "source", "reqs", "none $", `${policy} $`, "×none", "peak ×none"]];
  for (const { session, ratio: r } of ratios.slice(0, WORST_SHOWN)) {
    const base = session.policies.none!;
    const t = session.policies[policy]!;
    rows.push([shorten(session.name), session.source, String(session.requests), money(base.costUSD), money(t.costUSD), r.toFixed(2), ratio(t.peakTokens, base.peakTokens)]);
  }
  const above = (limit: number) => ratios.filter((x) => x.ratio > limit).length;
  return `${layout(rows)}
${above(1)} of ${ratios.length} sessions cost more than none, ${above(1.1)} more than 1.10x`;
}

/** The targets for endless against none, each with its measured value. */
export function targetLines(policies: ByPolicy<PolicyTotals>, sessions: readonly SessionResult[]): string[] {
  const e = policies.endless;
  const n = policies.none;
  if (!e || !n) return [];
  const check = (ok: boolean) => (ok ? "met" : "MISSED");
  const cost = e.costUSD / n.costUSD;
  const peak = e.peakTokens / n.peakTokens;
  const cold = e.costNoCacheUSD / n.costNoCacheUSD;
  const observed = observationShare(e);
  const worst = Math.max(0, ...costRatios(sessions, "endless").map((x) => x.ratio));
  return [
    `observations        ${percent(observed)} of the raw outputs they replace (target <= 12%): ${check((observed ?? 0) <= 0.12)}`,
    `cost with cache     ${cost.toFixed(2)}x none (target <= 0.65): ${check(cost <= 0.65)}`,
    `peak context        ${peak.toFixed(2)}x none (target <= 0.35): ${check(peak <= 0.35)}`,
    `cost without cache  ${cold.toFixed(2)}x none (target <= 0.40): ${check(cold <= 0.4)}`,
    `in-context retention ${percent(e.retention)} (target >= 90%): ${check((e.retention ?? 1) >= 0.9)}`,
    `recallable          ${percent(e.recallable)} (target 100%): ${check((e.recallable ?? 1) >= 1)}`,
    `worst session       ${worst.toFixed(2)}x none (target <= 1.10): ${check(worst <= 1.1)}`,
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
  const endless = report.policies.endless;
  if (endless) {
    parts.push("", "endless per tool family (compressed: outputs sent as an observation or a pointer; share: sent as / their raw):", familiesTable(endless));
    if (report.policies.none) parts.push("", "sessions where endless does worst against none:", worstSessionsTable(report.perSession, "endless"));
  }
  if (report.window !== undefined) {
    const over = Object.entries(report.policies).map(([name, t]) => `${name} ${t?.overWindow ?? "-"}`);
    parts.push("", `requests over the ${report.window}-token window (endless folding): ${over.join(", ")}`);
  }
  const targets = targetLines(report.policies, report.perSession);
  if (targets.length > 0) parts.push("", "endless against none:", ...targets.map((l) => `  ${l}`));
  for (const s of report.skipped) parts.push(`skipped ${s.file}: ${s.reason}`);
  return parts.join("\n");
}
