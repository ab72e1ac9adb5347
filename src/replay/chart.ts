import type { PolicyName } from "./policies/index.ts";
import type { SessionResult } from "./run.ts";

/**
 * A line chart of context size per request, one line per policy, for one session: as standalone SVG, or
 * as an HTML page that embeds it with the session's totals.
 *
 * @module
 */

const COLORS: Record<PolicyName, string> = {
  none: "#6b7280",
  "opencode-prune": "#2563eb",
  "anthropic-clear": "#d97706",
  "mask-last-5": "#9333ea",
  endless: "#16a34a",
};

const WIDTH = 960;
const HEIGHT = 480;
const MARGIN = { top: 48, right: 190, bottom: 48, left: 72 };

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c]!);

/** A round step for axis ticks: about `count` ticks over `max`. */
function tickStep(max: number, count: number): number {
  const raw = Math.max(1, max / count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

/** Picks the session to chart: the one whose name or file contains `wanted`, else the one with most requests. */
export function pickSession(sessions: readonly SessionResult[], wanted?: string): SessionResult | undefined {
  if (wanted !== undefined) return sessions.find((s) => s.name === wanted) ?? sessions.find((s) => s.name.includes(wanted) || s.file.includes(wanted));
  return sessions.reduce<SessionResult | undefined>((best, s) => (best === undefined || s.requests > best.requests ? s : best), undefined);
}

export function renderSvg(session: SessionResult): string {
  const lines = Object.entries(session.context) as [PolicyName, readonly number[]][];
  const n = Math.max(1, ...lines.map(([, v]) => v.length));
  const max = Math.max(1, ...lines.flatMap(([, v]) => v));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) => MARGIN.left + (n === 1 ? 0 : (i / (n - 1)) * plotW);
  const y = (v: number) => MARGIN.top + plotH - (v / max) * plotH;
  const yStep = tickStep(max, 6);
  const xStep = tickStep(n, 10);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">Context size per request: ${escapeXml(session.name)}</text>`,
  ];
  for (let v = 0; v <= max; v += yStep) {
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
  }
  for (let i = 0; i < n; i += xStep) {
    out.push(`<text x="${x(i).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${i + 1}</text>`);
  }
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">request</text>`);
  out.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">input tokens</text>`);
  lines.forEach(([policy, values], row) => {
    const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    out.push(`<polyline fill="none" stroke="${COLORS[policy]}" stroke-width="2" points="${points}"><title>${policy}</title></polyline>`);
    const ly = MARGIN.top + 10 + row * 22;
    out.push(`<line x1="${WIDTH - MARGIN.right + 16}" x2="${WIDTH - MARGIN.right + 40}" y1="${ly}" y2="${ly}" stroke="${COLORS[policy]}" stroke-width="3"/>`);
    out.push(`<text x="${WIDTH - MARGIN.right + 46}" y="${ly + 4}">${policy}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

export function renderHtml(session: SessionResult): string {
  const rows = Object.entries(session.policies)
    .map(
      ([name, t]) =>
        `<tr><td>${name}</td><td>${t.inputTokens}</td><td>${t.peakTokens}</td><td>${t.costUSD.toFixed(4)}</td><td>${t.costNoCacheUSD.toFixed(4)}</td><td>${t.cacheBreaks}</td><td>${t.retention === null ? "-" : `${(t.retention * 100).toFixed(1)}%`}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>endless bench: ${escapeXml(session.name)}</title>
<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}td,th{padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
${renderSvg(session)}
<p>${escapeXml(session.file)}: ${session.toolCalls} tool calls, ${session.requests} requests.</p>
<table><tr><th>policy</th><th>input tokens</th><th>peak</th><th>cost $</th><th>no-cache $</th><th>cache breaks</th><th>retention</th></tr>
${rows}
</table></body></html>
`;
}
