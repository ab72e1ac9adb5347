/**
 * Observation size: the fast observation of every completed tool output of at least `minTokens` (the
 * policy's floor, 150 by default) in recorded sessions, compressed alone (not through the batching policy),
 * against the output's raw tokens, per compressor family; and the share of the "names in the left-out text"
 * lines. An observation is counted at most as large as its output, since the engine then sends the output.
 *
 *   bun bench/observation-size.ts [--json] PATH...     (e.g. ../shared/corpus)
 *
 * Prints a table (and, with --json, one JSON object on stdout). The target of issue 13: 12% of raw.
 */
import { defaultPolicyConfig } from "../src/config/schema.ts";
import { compress, toolFamily } from "../src/compress/index.ts";
import { loadSessions } from "../src/replay/importers/load.ts";
import { layout } from "../src/replay/report.ts";
import { countTokens } from "../src/tokens/count.ts";

const json = process.argv.includes("--json");
const paths = process.argv.slice(2).filter((arg) => arg !== "--json");
if (paths.length === 0) {
  console.error("usage: bun bench/observation-size.ts [--json] PATH... (a session file or folder, e.g. ../shared/corpus)");
  process.exit(2);
}

interface Row {
  calls: number;
  rawTokens: number;
  observationTokens: number;
  namesTokens: number;
}

const floor = defaultPolicyConfig().minTokens;
const { sessions, skipped } = await loadSessions(paths, (s) => console.error(`skipped ${s.file}: ${s.reason}`));
const rows = new Map<string, Row>();
for (const session of sessions) {
  for (const call of session.turns.flatMap((turn) => turn.steps.flatMap((step) => step.calls))) {
    if (call.error) continue;
    const raw = countTokens(call.output);
    if (raw < floor) continue;
    const observation = await compress({ tool: call.tool, callID: call.callID, input: call.input, output: call.output });
    const names = observation.text.split("\n").find((line) => line.startsWith("names in the left-out text"));
    const family = `${toolFamily(call.tool)} (${observation.method})`;
    const row = rows.get(family) ?? { calls: 0, rawTokens: 0, observationTokens: 0, namesTokens: 0 };
    row.calls++;
    row.rawTokens += raw;
    row.observationTokens += Math.min(raw, countTokens(observation.text));
    row.namesTokens += names === undefined ? 0 : countTokens(names);
    rows.set(family, row);
  }
}

const all = [...rows.values()].reduce(
  (sum, r) => ({ calls: sum.calls + r.calls, rawTokens: sum.rawTokens + r.rawTokens, observationTokens: sum.observationTokens + r.observationTokens, namesTokens: sum.namesTokens + r.namesTokens }),
  { calls: 0, rawTokens: 0, observationTokens: 0, namesTokens: 0 },
);
const sorted = [...rows].sort((a, b) => b[1].rawTokens - a[1].rawTokens || a[0].localeCompare(b[0]));
const pct = (part: number, whole: number) => (whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`);
if (json) {
  console.log(JSON.stringify({ sessions: sessions.length, skipped, minTokens: floor, families: Object.fromEntries(sorted), all }, null, 2));
} else {
  const table = [["family (method)", "calls", "raw", "observations", "share", "names share"]];
  for (const [family, r] of [...sorted, ["all", all] as const]) {
    table.push([family, String(r.calls), String(r.rawTokens), String(r.observationTokens), pct(r.observationTokens, r.rawTokens), pct(r.namesTokens, r.observationTokens)]);
  }
  console.log(`${sessions.length} sessions, outputs of ${floor} tokens or more, each compressed alone\n${layout(table)}`);
}
