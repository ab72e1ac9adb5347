/**
 * @module
 * The background worker that turns queued tool outputs into LLM observations. Nothing here is on the
 * agent's path: the tool hook only inserts a job row; the worker runs in idle time, a bounded number of
 * calls at once, each with a timeout. Failures leave the session on its fast observations: 429, 5xx and
 * timeouts are retried with exponential backoff (a `retry-after` is honoured), a model that keeps failing
 * opens its circuit breaker and the chain's next model (or, at its end, the fast compressors) stands in,
 * and spend caps stop calls with one notice.
 */
import {
  claimDueJobs,
  type CompressionJob,
  enqueueJob,
  finishJob,
  nextDueTime,
  recordSpend,
  retryJob,
  saveLlmObservation,
  spentBy,
} from "../archive/compression.ts";
import { type ArchiveAccess, readEachOn, readOn, writeOn } from "../archive/access.ts";
import type { ArchiveStore } from "../archive/session-store.ts";
import { archiveToolCall, findToolCall, hasToolCall } from "../archive/tool-calls.ts";
import { asRecord } from "../json/record.ts";
import { type CompressionOptions, compressionChain } from "../config/compression.ts";
import type { Logger } from "../log/logger.ts";
import type { Notice } from "../log/notice.ts";
import { countTokens } from "../tokens/count.ts";
import { callModel, type Endpoint, type ModelCallError, type ModelReply, type ModelRequest } from "./clients.ts";
import { buildPrompt, checkObservation, PROMPT_VERSION, SYSTEM_PROMPT } from "./prompt.ts";
import { listPrice } from "../tokens/prices.ts";
import type { ProviderRegistry } from "./providers.ts";

const DAY_MS = 86_400_000;
const MAX_BACKOFF_MS = 10 * 60_000;

/** What the worker reports as it goes; tests order these against the mock's request log. */
export type WorkerEvent =
  | { type: "enqueued"; sessionID: string; callID: string }
  | { type: "started"; sessionID: string; callID: string; model: string; attempt: number }
  | { type: "finished"; sessionID: string; callID: string; state: "done" | "failed" | "skipped" | "retry"; detail?: string };

export interface CompressionWorker {
  /** From the tool hook: queues the call when a model is configured for the session and the output is large enough. */
  enqueue(sessionID: string, callID: string, estimatedTokens: number): void;
  /** From `chat.params`: which "provider/model" a session runs on. */
  sessionModel(sessionID: string, model: string): void;
  /** Starts due jobs, up to the concurrency (idle work calls it; so does a retry timer). */
  kick(): void;
  /** Resolves once no job is in flight (tests, and a clean dispose). */
  drain(): Promise<void>;
  /** Abandons calls in flight (their jobs wait for the next start) and stops the timers. */
  stop(): Promise<void>;
}

export interface WorkerDeps {
  /**
   * The archive, or the plugin's link: while the file is out the queue runs in memory and moves into the
   * file with its calls. A job claimed from the file and settled while it is out stays leased there and
   * runs again once its lease ends (jobs are settled by their key, never by a row id of the other archive).
   */
  db: ArchiveAccess;
  store: ArchiveStore;
  options: CompressionOptions;
  providers: ProviderRegistry;
  log: Logger;
  notice: Notice;
  onEvent?: (event: WorkerEvent) => void;
  now?: () => number;
  /** First retry delay; doubled per attempt (tests shorten it). */
  backoffBaseMs?: number;
  call?: (endpoint: Endpoint, request: ModelRequest) => Promise<ModelReply>;
}

interface Breaker {
  failures: number;
  openUntil: number;
}

type Outcome =
  | { state: "done" | "failed" | "skipped"; detail: string }
  | { state: "retry"; detail: string; notBefore: number; countAttempt: boolean };

export function createCompressionWorker(deps: WorkerDeps): CompressionWorker {
  const { db, options } = deps;
  const now = deps.now ?? Date.now;
  const call = deps.call ?? callModel;
  const backoffBase = deps.backoffBaseMs ?? 2_000;
  const models = new Map<string, string>();
  const breakers = new Map<string, Breaker>();
  const inFlight = new Map<number, { promise: Promise<void>; abort: AbortController }>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const emit = (event: WorkerEvent) => {
    try {
      deps.onEvent?.(event);
    } catch {
      // An observer of the worker must not break it.
    }
  };

  const breakerOf = (model: string): Breaker => {
    let b = breakers.get(model);
    if (b === undefined) {
      b = { failures: 0, openUntil: 0 };
      breakers.set(model, b);
    }
    return b;
  };

  // The user's price first, then what opencode knows of the model, then the list price of its id.
  const priceOf = (model: string) => options.prices[model] ?? deps.providers.price(model) ?? listPrice(model)?.price;
  const costOf = (model: string, reply: { inputTokens: number; outputTokens: number }): number | null => {
    const price = priceOf(model);
    return price === undefined ? null : (reply.inputTokens * price.input + reply.outputTokens * price.output) / 1e6;
  };

  /** The cap a call would break, worded for the user, or undefined. */
  const capReached = (sessionID: string, model: string): string | undefined => {
    // The file's spend plus what memory recorded while it was out.
    const spent = (filter: Parameters<typeof spentBy>[1]) =>
      readEachOn(db, (d) => spentBy(d, filter)).reduce((a, b) => ({ ...a, inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, costUsd: a.costUsd + b.costUsd }));
    const session = spent({ sessionID });
    const day = spent({ since: Math.floor(now() / DAY_MS) * DAY_MS });
    const tokens = (s: typeof session) => s.inputTokens + s.outputTokens;
    if (tokens(session) >= options.sessionTokenCap) return `session ${sessionID} reached compression.sessionTokenCap (${options.sessionTokenCap} tokens)`;
    if (tokens(day) >= options.dailyTokenCap) return `compression reached dailyTokenCap (${options.dailyTokenCap} tokens today, UTC)`;
    const usdCaps = options.sessionUsdCap !== undefined || options.dailyUsdCap !== undefined;
    if (usdCaps && priceOf(model) === undefined) return `a USD spend cap is set but no price is known for ${model}: add compression.prices["${model}"]`;
    if (options.sessionUsdCap !== undefined && session.costUsd >= options.sessionUsdCap) return `session ${sessionID} reached compression.sessionUsdCap ($${options.sessionUsdCap})`;
    if (options.dailyUsdCap !== undefined && day.costUsd >= options.dailyUsdCap) return `compression reached dailyUsdCap ($${options.dailyUsdCap} today, UTC)`;
    return undefined;
  };

  const failureOf = (model: string, error: ModelCallError) => {
    const b = breakerOf(model);
    b.failures++;
    if (b.failures >= options.breakerFailures) {
      b.openUntil = now() + options.breakerCooldownMs;
      deps.notice(
        `compression-breaker:${model}`,
        "warn",
        `compression model ${model} failed ${b.failures} times in a row (last: ${error.message}); sessions use the fast observations, and it is tried again in ${Math.round(options.breakerCooldownMs / 1000)} s`,
      );
    }
  };

  const backoff = (attempts: number, error: ModelCallError): number =>
    Math.min(MAX_BACKOFF_MS, error.retryAfterMs ?? backoffBase * 2 ** Math.max(0, attempts - 1));

  async function runJob(job: CompressionJob, signal: AbortSignal): Promise<Outcome> {
    const stored = readOn(db, (d) => findToolCall(d, job.sessionID, job.callID));
    if (stored === undefined) return { state: "skipped", detail: "the call is no longer archived" };
    if (stored.tokens < options.minOutputTokens) return { state: "skipped", detail: `output of ${stored.tokens} tokens is below minOutputTokens` };
    const chain = compressionChain(options, job.sessionModel);
    if (chain.length === 0) return { state: "skipped", detail: `no compression model is configured for ${job.sessionModel}` };
    const callView = {
      callID: stored.callID,
      tool: stored.tool,
      input: asRecord(stored.input),
      output: stored.output,
      metadata: asRecord(stored.metadata),
      tokens: stored.tokens,
    };
    const problems: string[] = [];
    let tried = false;
    for (const model of chain) {
      const breaker = breakerOf(model);
      if (breaker.openUntil > now()) {
        problems.push(`${model}: circuit breaker open`);
        continue;
      }
      const cap = capReached(job.sessionID, model);
      if (cap !== undefined) {
        deps.notice(`compression-cap:${cap}`, "warn", `${cap}: no more compression calls, the fast observations stand`);
        return { state: "skipped", detail: cap };
      }
      const resolved = deps.providers.resolve(model, options.providers[model.split("/")[0]!]);
      if (!resolved.ok) {
        deps.notice(`compression-endpoint:${model}`, "warn", `compression model ${model} cannot be called: ${resolved.problem}`);
        problems.push(`${model}: ${resolved.problem}`);
        continue;
      }
      const fast = await deps.store.fastObservation(job.sessionID, callView);
      emit({ type: "started", sessionID: job.sessionID, callID: job.callID, model, attempt: job.attempts });
      tried = true;
      let reply: ModelReply;
      try {
        reply = await call(resolved.endpoint, {
          system: SYSTEM_PROMPT,
          prompt: buildPrompt(callView),
          maxTokens: options.maxObservationTokens,
          timeoutMs: options.timeoutMs,
          signal,
        });
      } catch (error) {
        const failure = error as ModelCallError;
        if (failure.kind === "aborted") return { state: "retry", detail: "abandoned at shutdown", notBefore: 0, countAttempt: false };
        failureOf(model, failure);
        if (failure.retryable && job.attempts < options.maxAttempts) {
          return { state: "retry", detail: `${model}: ${failure.message}`, notBefore: now() + backoff(job.attempts, failure), countAttempt: true };
        }
        problems.push(`${model}: ${failure.message}`);
        continue;
      }
      breaker.failures = 0;
      writeOn(db, (d) => recordSpend(d, { sessionID: job.sessionID, jobID: job.id, model, inputTokens: reply.inputTokens, outputTokens: reply.outputTokens, costUsd: costOf(model, reply) }));
      const checked = checkObservation(reply.text, callView);
      if (!checked.ok) return { state: "skipped", detail: `${model}: discarded, ${checked.reason}` };
      const tokens = countTokens(checked.text);
      const fastTokens = countTokens(fast);
      if (tokens >= fastTokens) return { state: "skipped", detail: `${model}: discarded, ${tokens} tokens is not smaller than the fast observation's ${fastTokens}` };
      writeOn(db, (d) => saveLlmObservation(d, job.sessionID, job.callID, { text: checked.text, version: PROMPT_VERSION, tokens }));
      deps.store.offerObservation(job.sessionID, job.callID, checked.text);
      return { state: "done", detail: `${model}: ${fastTokens} -> ${tokens} tokens` };
    }
    // No model of the chain could be tried for now: wait for the first breaker to close.
    const reopen = Math.min(...chain.map((m) => breakerOf(m).openUntil));
    if (!tried && reopen > now()) return { state: "retry", detail: problems.join("; "), notBefore: reopen, countAttempt: false };
    return { state: "failed", detail: problems.join("; ") };
  }

  const settle = (job: CompressionJob, outcome: Outcome) => {
    if (outcome.state === "retry") writeOn(db, (d) => retryJob(d, job, outcome.notBefore, outcome.detail, outcome.countAttempt, now()));
    else writeOn(db, (d) => finishJob(d, job, outcome.state, outcome.state === "done" ? null : outcome.detail, now()));
    emit({ type: "finished", sessionID: job.sessionID, callID: job.callID, state: outcome.state, detail: outcome.detail });
    if (outcome.state === "failed") deps.log("warn", `LLM observation of ${job.callID} failed, the fast one stays: ${outcome.detail}`);
  };

  const schedule = () => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const dues = readEachOn(db, nextDueTime).filter((t): t is number => t !== undefined);
    if (dues.length === 0) return;
    const due = Math.min(...dues);
    timer = setTimeout(kick, Math.max(0, due - now()) + 5);
    // A waiting retry must never keep a finishing opencode process alive.
    timer.unref?.();
  };

  function kick(): void {
    if (stopped) return;
    let jobs: CompressionJob[];
    try {
      jobs = writeOn(db, (d) => claimDueJobs(d, options.concurrency - inFlight.size, options.timeoutMs * 2 + 5_000, now()));
    } catch (error) {
      deps.log("warn", `compression queue unreadable, retried after the next tool call: ${String(error)}`);
      return;
    }
    for (const job of jobs) {
      const abort = new AbortController();
      const promise = runJob(job, abort.signal)
        .catch((error: unknown): Outcome => ({ state: "failed", detail: `unexpected: ${String(error)}` }))
        .then((outcome) => {
          try {
            settle(job, outcome);
          } catch (error) {
            deps.log("warn", `compression job ${job.id} could not be recorded: ${String(error)}`);
          }
        })
        .finally(() => {
          inFlight.delete(job.id);
          kick();
        });
      inFlight.set(job.id, { promise, abort });
    }
    if (inFlight.size === 0) schedule();
  }

  return {
    enqueue(sessionID, callID, estimatedTokens) {
      const model = models.get(sessionID);
      // No model named for this session's provider: its outputs go to no model at all.
      if (model === undefined || estimatedTokens < options.minOutputTokens || compressionChain(options, model).length === 0) return;
      writeOn(db, (d) => {
        // A job that lands in memory (the file just went out) may name a call the file took: it is copied
        // over, so the job has its row there, and both move into the file together.
        if (!hasToolCall(d, sessionID, callID)) {
          const stored = readOn(db, (r) => findToolCall(r, sessionID, callID));
          if (stored !== undefined) archiveToolCall(d, stored, "keep");
        }
        enqueueJob(d, { sessionID, callID, sessionModel: model, promptVersion: PROMPT_VERSION }, now());
      });
      emit({ type: "enqueued", sessionID, callID });
    },
    sessionModel(sessionID, model) {
      models.set(sessionID, model);
    },
    kick,
    async drain() {
      while (inFlight.size > 0) await Promise.all([...inFlight.values()].map((f) => f.promise));
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const f of inFlight.values()) f.abort.abort();
      await Promise.all([...inFlight.values()].map((f) => f.promise));
    },
  };
}
