import type { PolicyConfig } from "../config/schema.ts";

/** What the policy needs to know of one completed tool call in the request, oldest first. */
export interface PartInfo {
  readonly callID: string;
  readonly tool: string;
  readonly tokens: number;
}

export function isCompressible(part: PartInfo, config: PolicyConfig): boolean {
  const override = config.tools[part.tool];
  if (override?.compress === false) return false;
  if (config.excludeTools.includes(part.tool)) return false;
  return part.tokens >= (override?.minTokens ?? config.minTokens);
}

/** A batch must free at least this share of `highWaterTokens`: a cache rewrite for less is not worth it. */
const MIN_BATCH_SHARE = 0.25;

/**
 * Decides whether the compression frontier moves now, and over which calls.
 *
 * The newest `keepLast` outputs, and every output the model has not read yet (`unseen`: new in this
 * request), are sent raw. The others wait raw until the raw tokens behind the newest `keepLast` (waiting
 * plus unseen ones) exceed `highWaterTokens`; then the oldest waiting ones are compressed until at most
 * `lowWaterTokens` remain. Counting unseen outputs makes a batch come when a large new output arrives, so
 * the requests that would be the largest shed their older outputs; a batch that would free less than a
 * quarter of `highWaterTokens` does not happen. Between two batches the answer is "nothing", so every
 * request in between carries byte-identical earlier messages and the prompt cache keeps hitting.
 * Returns the call ids to compress, oldest first; empty when no batch is due.
 */
export function planBatch(
  parts: readonly PartInfo[],
  compressed: ReadonlySet<string>,
  config: PolicyConfig,
  unseen: ReadonlySet<string> = new Set(),
): string[] {
  const candidates = parts.filter((p) => isCompressible(p, config));
  const behind = candidates.slice(0, Math.max(0, candidates.length - config.keepLast));
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
