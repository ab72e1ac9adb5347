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

/**
 * Decides whether the compression frontier moves now, and over which calls.
 *
 * Nothing moves until the raw tokens waiting behind the newest `keepLast` outputs exceed `highWaterTokens`;
 * then the oldest of them are compressed until at most `lowWaterTokens` remain. Between two batches the
 * answer is "nothing", so every request in between carries byte-identical earlier messages and the prompt
 * cache keeps hitting. Returns the call ids to compress, oldest first; empty when no batch is due.
 */
export function planBatch(parts: readonly PartInfo[], compressed: ReadonlySet<string>, config: PolicyConfig): string[] {
  const candidates = parts.filter((p) => isCompressible(p, config));
  const protectedTail = new Set(candidates.slice(Math.max(0, candidates.length - config.keepLast)).map((p) => p.callID));
  const waiting = candidates.filter((p) => !compressed.has(p.callID) && !protectedTail.has(p.callID));
  let waitingTokens = waiting.reduce((sum, p) => sum + p.tokens, 0);
  if (waitingTokens <= config.highWaterTokens) return [];
  const batch: string[] = [];
  for (const part of waiting) {
    if (waitingTokens <= config.lowWaterTokens) break;
    batch.push(part.callID);
    waitingTokens -= part.tokens;
  }
  return batch;
}
