import { EndlessOptions, type FoldOptions, type PolicyConfig } from "../config/schema.ts";
import { loadSessions } from "./importers/load.ts";
import { type Session, type Skipped, type SessionSource, toolCallCount } from "./importers/model.ts";
import { findReferences } from "./facts.ts";
import { type ByPolicy, type PolicyTotals, policyTotals, totalsByPolicy } from "./metrics.ts";
import { POLICIES, type PolicyName } from "./policies/index.ts";
import { RecallProbe } from "./recallable.ts";
import { replayPolicy } from "./replay.ts";
import { planRequests, TokenCache } from "./requests.ts";
import type { LlmCache } from "./llm-cache.ts";

/** Policies that give the model a recall tool over the archive of originals. */
const WITH_RECALL: ReadonlySet<PolicyName> = new Set(["endless"]);

export interface SessionResult {
  readonly name: string;
  readonly file: string;
  readonly source: SessionSource;
  readonly toolCalls: number;
  readonly requests: number;
  readonly references: number;
  readonly policies: ByPolicy<PolicyTotals>;
  /** Tokens of each request, per policy: the chart's lines. */
  readonly context: ByPolicy<readonly number[]>;
}

export interface BenchReport {
  readonly sessions: number;
  readonly toolCalls: number;
  readonly requests: number;
  readonly references: number;
  readonly skipped: readonly Skipped[];
  readonly policies: ByPolicy<PolicyTotals>;
  readonly perSession: readonly SessionResult[];
  readonly elapsedMs: number;
  /** The window the requests were measured against, when one was given. */
  readonly window?: number;
}

export interface BenchOptions {
  readonly policies: readonly PolicyName[];
  readonly config: PolicyConfig;
  /** Progress lines for long runs (the CLI prints them on stderr). */
  readonly progress?: (line: string) => void;
  /** The token counter (default: the project's tokenizer, each distinct text counted once). */
  readonly tokens?: TokenCache;
  /** LLM observations for the endless policy, from a cache file; absent: the fast compressors only. */
  readonly llm?: LlmCache;
  /** A model window (tokens): requests over it are counted per policy, and Endless folds as the plugin does. */
  readonly window?: number;
  /** Endless's fold options (default: the plugin's). */
  readonly fold?: FoldOptions;
}

const DEFAULT_FOLD: FoldOptions = EndlessOptions.parse({}).fold;

/** Replays one session under every policy. */
export async function benchSession(
  session: Session,
  options: BenchOptions,
  probe: RecallProbe,
  tokens: TokenCache,
): Promise<SessionResult> {
  const plan = planRequests(session, tokens);
  const references = findReferences(session);
  const needsRecall = options.policies.some((p) => WITH_RECALL.has(p));
  const recalled = needsRecall ? probe.countRecallable(plan, references) : 0;
  const policies: ByPolicy<PolicyTotals> = {};
  const context: ByPolicy<readonly number[]> = {};
  for (const name of options.policies) {
    const policy = POLICIES[name].create({ config: options.config, llm: options.llm });
    const fold = name === "endless" && options.window !== undefined ? { usable: options.window, options: options.fold ?? DEFAULT_FOLD } : undefined;
    const run = await replayPolicy({ plan, references, policy, tokens, ...(fold ? { fold } : {}) });
    policies[name] = policyTotals({ ...run, recalled: WITH_RECALL.has(name) ? recalled : null, ...(options.window !== undefined ? { window: options.window } : {}) });
    context[name] = run.requests.map((r) => r.tokens);
  }
  return {
    name: session.name,
    file: session.file,
    source: session.source,
    toolCalls: toolCallCount(session),
    requests: plan.requests.length,
    references: references.length,
    policies,
    context,
  };
}

/** Replays already-read sessions (the CLI reads them from files; tests build them by hand). */
export async function benchSessions(
  sessions: readonly Session[],
  options: BenchOptions,
  skipped: readonly Skipped[] = [],
): Promise<BenchReport> {
  const started = performance.now();
  const probe = new RecallProbe();
  const tokens = options.tokens ?? new TokenCache();
  const perSession: SessionResult[] = [];
  try {
    for (const [i, session] of sessions.entries()) {
      const t0 = performance.now();
      const result = await benchSession(session, options, probe, tokens);
      perSession.push(result);
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      options.progress?.(`[${i + 1}/${sessions.length}] ${session.name}: ${result.toolCalls} tool calls, ${result.requests} requests (${seconds}s)`);
    }
  } finally {
    probe.close();
  }
  const sum = (pick: (s: SessionResult) => number) => perSession.reduce((n, s) => n + pick(s), 0);
  return {
    sessions: perSession.length,
    toolCalls: sum((s) => s.toolCalls),
    requests: sum((s) => s.requests),
    references: sum((s) => s.references),
    skipped,
    policies: totalsByPolicy(options.policies, perSession),
    perSession,
    elapsedMs: performance.now() - started,
    ...(options.window !== undefined ? { window: options.window } : {}),
  };
}

/** Reads every session under `paths` (skipping unreadable files with a message) and replays them. */
export async function runBench(paths: readonly string[], options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const { sessions, skipped } = await loadSessions(paths, (s) => options.progress?.(`skipped ${s.file}: ${s.reason}`));
  options.progress?.(`read ${sessions.length} sessions in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  const report = await benchSessions(sessions, options, skipped);
  return { ...report, elapsedMs: performance.now() - started };
}
