import type { PolicyConfig } from "../config/schema.ts";
import type { ToolCall } from "../compress/types.ts";

/** What the policy needs to know of one completed tool call in the request, oldest first. */
export interface PartInfo extends Pick<ToolCall, "callID" | "tool"> {
  /** Tokens of the output. */
  readonly tokens: number;
  /** Tokens of the input's bulky fields, those a stand-in would replace (0 or absent: none). */
  readonly inputTokens?: number;
}

/** Which halves of a call a batch compresses: the output, the input's bulky fields, or both. */
export interface Compressible {
  readonly output: boolean;
  readonly input: boolean;
}

const NEITHER: Compressible = { output: false, input: false };

/**
 * Each half counts on its own against the size floor (`minTokens`, or the tool's override); excluded tools
 * and tools with `compress: false` have neither compressed. Inputs only with `compressInputs`.
 */
export function compressibleParts(part: PartInfo, config: PolicyConfig): Compressible {
  const override = config.tools[part.tool];
  if (override?.compress === false || config.excludeTools.includes(part.tool)) return NEITHER;
  const floor = override?.minTokens ?? config.minTokens;
  return { output: part.tokens >= floor, input: config.compressInputs && (part.inputTokens ?? 0) >= floor };
}

interface Weighed {
  readonly callID: string;
  readonly halves: Compressible;
  /**
   * The tokens the policy weighs a call by: its output's and its input's bulky fields', each when that half
   * is compressible. Raw input waits behind the frontier exactly like raw output does.
   */
  readonly tokens: number;
}

function weigh(part: PartInfo, config: PolicyConfig): Weighed {
  const halves = compressibleParts(part, config);
  return { callID: part.callID, halves, tokens: (halves.output ? part.tokens : 0) + (halves.input ? (part.inputTokens ?? 0) : 0) };
}

/**
 * Where the protected tail starts: at the `keepLast`-th newest call with a compressible output (or, when there
 * are fewer of those, the `keepLast`-th newest compressible call; with fewer still, at the first call). That
 * call and every call after it are sent raw, inputs included: a large input does not push a fresh output
 * out of the tail.
 */
function tailStart(calls: readonly Weighed[], keepLast: number): number {
  if (keepLast === 0) return calls.length;
  const nth = (indices: number[]) => indices[indices.length - keepLast];
  const withOutput: number[] = [];
  const compressible: number[] = [];
  calls.forEach((call, i) => {
    if (call.halves.output) withOutput.push(i);
    if (call.halves.output || call.halves.input) compressible.push(i);
  });
  return nth(withOutput) ?? nth(compressible) ?? 0;
}

/** A batch must free at least this share of `highWaterTokens`: a cache rewrite for less is not worth it. */
const MIN_BATCH_SHARE = 0.25;

/**
 * Decides whether the compression frontier moves now, and over which calls.
 *
 * A call is weighed by its compressible tokens (`Weighed.tokens`: output, plus the input's bulky fields
 * with `compressInputs`). The tail (`tailStart`: from the `keepLast`-th newest compressible output on), and
 * every call whose output the model has not read yet (`unseen`: new in this request), are sent raw. The
 * others wait raw until the raw tokens behind the tail (waiting plus unseen ones) exceed `highWaterTokens`;
 * then the oldest waiting ones are compressed until at most `lowWaterTokens` remain. Counting unseen
 * outputs makes a batch come when a large new output arrives, so the requests that would be the largest
 * shed their older outputs; a batch that would free less than a quarter of `highWaterTokens` does not
 * happen. Between two batches the answer is "nothing", so every request in between carries byte-identical
 * earlier messages and the prompt cache keeps hitting. Returns the call ids to compress, oldest first;
 * empty when no batch is due.
 */
export function planBatch(
  parts: readonly PartInfo[],
  compressed: ReadonlySet<string>,
  config: PolicyConfig,
  unseen: ReadonlySet<string> = new Set(),
): string[] {
  const weighed = parts.map((p) => weigh(p, config));
  const behind = weighed.slice(0, tailStart(weighed, config.keepLast)).filter((p) => p.halves.output || p.halves.input);
  const raw = behind.filter((p) => !compressed.has(p.callID));
  const waiting = raw.filter((p) => !unseen.has(p.callID));
  const rawTokens = raw.reduce((sum, p) => sum + p.tokens, 0);
  let waitingTokens = waiting.reduce((sum, p) => sum + p.tokens, 0);
  if (rawTokens <= config.highWaterTokens || waitingTokens < config.highWaterTokens * MIN_BATCH_SHARE) return [];
  const batch: string[] = [];
  for (const part of waiting) {
    if (waitingTokens <= config.lowWaterTokens) break;
    batch.push(part.callID);
    waitingTokens -= part.tokens;
  }
  return batch;
}

/**
 * The prompt cache's prices as multiples of the input price (Anthropic's: a cache write 1.25x, a read
 * 0.1x). Providers that do not charge for writes only make a batch cheaper than this assumes.
 */
export const CACHE_PRICE = { write: 1.25, read: 0.1 } as const;

/** What a proposed batch would do to the request, in tokens of tool calls as sent. */
export interface BatchEffect {
  /** Tokens the batch takes out of every later request (sent now minus sent after it). */
  readonly freed: number;
  /** Tokens the cache already holds from the first call the batch changes to the end: they are written again. */
  readonly rewritten: number;
  /** Model requests in the session's history so far, this one included. */
  readonly requests: number;
}

/**
 * How sure a batch must be of paying back before it happens. How many requests a session has left is
 * unknown when a batch is decided; with nothing else known of its length, Gott's argument (a scale-free
 * prior on the total length, the present a random point in it) gives P(at least n more | t so far) =
 * t / (t + n). A batch goes ahead when it pays back within n requests with at least this probability,
 * i.e. when n <= t (1 - p) / p: with 3/4, within a third of the requests so far. The median (1/2, n <= t)
 * let batches late in short sessions rewrite the cache for the few requests left: sessions cost up to 1.13x
 * doing nothing in the bench; at 3/4 none costs more than 1.10x (README, "Batches that pay back").
 */
export const PAYBACK_CONFIDENCE = 0.75;

/**
 * Whether a batch can pay back its cache rewrite. Without it, the `rewritten` tokens are read from the
 * cache (0.1x); with it, what is left of them after the batch is written again (1.25x): an extra
 * `1.25 (rewritten - freed) - 0.1 rewritten`. Each later request then reads `freed` fewer tokens, saving
 * `0.1 freed`. The requests it can count on are estimated from the past (`requests`, the history so far),
 * at `PAYBACK_CONFIDENCE`. A batch that cannot pay back waits: the next request weighs it again, with more
 * to free and a longer session behind it.
 */
export function paysBack(effect: BatchEffect): boolean {
  const extra = CACHE_PRICE.write * (effect.rewritten - effect.freed) - CACHE_PRICE.read * effect.rewritten;
  const expected = (effect.requests * (1 - PAYBACK_CONFIDENCE)) / PAYBACK_CONFIDENCE;
  return CACHE_PRICE.read * effect.freed * expected >= extra;
}
