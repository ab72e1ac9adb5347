/**
 * Frontier oracle: how far any rule for *when* to compress could take cost and retention with today's
 * observations. The oracle knows every later use of every fact (the replay's references): it keeps an
 * output raw while a fact its observation lacks is used within the next W steps, and compresses it for good
 * from the first request where none is (or sends it as its first-sight view before that, as Endless does).
 * It ignores the prompt cache when deciding, so its cost with a cache is no bound; its cost without one
 * is, for a given retention. Endless itself (the same observations, decided without knowing the future)
 * is the last row.
 *
 *   bun bench/frontier-oracle.ts [--json] PATH...     (e.g. ../shared/corpus)
 *
 * Prints a table (and, with --json, one JSON object on stdout).
 */
import { firstSightView } from "../src/compress/first-sight.ts";
import { compress } from "../src/compress/index.ts";
import { defaultPolicyConfig } from "../src/config/schema.ts";
import { totalsOf } from "../src/replay/cache-model.ts";
import { findReferences, type Reference } from "../src/replay/facts.ts";
import { loadSessions } from "../src/replay/importers/load.ts";
import { POLICIES } from "../src/replay/policies/index.ts";
import type { Policy } from "../src/replay/policies/types.ts";
import { replayPolicy } from "../src/replay/replay.ts";
import { layout } from "../src/replay/report.ts";
import { planRequests, type ReplayPlan, TokenCache } from "../src/replay/requests.ts";

const json = process.argv.includes("--json");
const paths = process.argv.slice(2).filter((arg) => arg !== "--json");
if (paths.length === 0) {
  console.error("usage: bun bench/frontier-oracle.ts [--json] PATH... (a session file or folder, e.g. ../shared/corpus)");
  process.exit(2);
}

const config = defaultPolicyConfig();
const WINDOWS = [Infinity, 16, 8, 4, 3, 2, 1];

/** The oracle for one session: raw while a fact its observation lacks is used within `window` steps. */
function oracle(plan: ReplayPlan, references: readonly Reference[], window: number): Policy {
  const observations = new Map<string, string>();
  const observe = async (call: ReplayPlan["calls"][number]) => {
    let text = observations.get(call.callID);
    if (text === undefined) {
      text = (await compress(call)).text;
      observations.set(call.callID, text);
    }
    return text;
  };
  const compressed = new Set<string>();
  let next = 0;
  return {
    async shape(request) {
      const step = plan.requests[next++]!.step;
      const outputs = new Map<string, string>();
      for (const call of request.calls) {
        if (call.error || call.tokens < config.minTokens || config.excludeTools.includes(call.tool)) continue;
        const observation = await observe(call);
        const view = firstSightView(call, observation, config.firstSightChars);
        const unseen = !plan.requests[next - 2]?.calls.some((c) => c.callID === call.callID);
        const needed = () =>
          references.some((r) => r.useStep >= step && r.useStep < step + window && r.holders.includes(call.callID) && !observation.includes(r.fact));
        if (!compressed.has(call.callID) && !unseen && observation.length < (view ?? call.output).length && !needed()) compressed.add(call.callID);
        const sent = compressed.has(call.callID) ? observation : view;
        if (sent !== undefined) outputs.set(call.callID, sent);
      }
      return { outputs };
    },
  };
}

interface Row {
  policy: string;
  costWithCache: number;
  costWithoutCache: number;
  retention: number;
}

const { sessions } = await loadSessions(paths, (s) => console.error(`skipped ${s.file}: ${s.reason}`));
const tokens = new TokenCache();
const sums = new Map<string, { cost: number; noCache: number; retained: number; references: number }>();
const add = (name: string, run: Awaited<ReturnType<typeof replayPolicy>>) => {
  const totals = totalsOf(run.requests);
  const sum = sums.get(name) ?? { cost: 0, noCache: 0, retained: 0, references: 0 };
  sums.set(name, { cost: sum.cost + totals.costUSD, noCache: sum.noCache + totals.costNoCacheUSD, retained: sum.retained + run.retained, references: sum.references + run.references });
};
const name = (window: number) => (window === Infinity ? "oracle, any later use" : `oracle, use within ${window} steps`);
for (const session of sessions) {
  const plan = planRequests(session, tokens);
  const references = findReferences(session);
  for (const policy of ["none", "endless"] as const) add(policy, await replayPolicy({ plan, references, tokens, policy: POLICIES[policy].create({ config }) }));
  for (const window of WINDOWS) add(name(window), await replayPolicy({ plan, references, tokens, policy: oracle(plan, references, window) }));
}

const none = sums.get("none")!;
const rows: Row[] = [...WINDOWS.map(name), "endless"].map((policy) => {
  const s = sums.get(policy)!;
  return { policy, costWithCache: s.cost / none.cost, costWithoutCache: s.noCache / none.noCache, retention: s.retained / Math.max(1, s.references) };
});
if (json) {
  console.log(JSON.stringify({ sessions: sessions.length, rows }, null, 2));
} else {
  console.log(`${sessions.length} sessions; costs as multiples of sending every output raw (none)`);
  console.log(
    layout([
      ["policy", "cost, cache", "cost, no cache", "retention"],
      ...rows.map((r) => [r.policy, `${r.costWithCache.toFixed(3)}x`, `${r.costWithoutCache.toFixed(3)}x`, `${(100 * r.retention).toFixed(1)}%`]),
    ]),
  );
}
