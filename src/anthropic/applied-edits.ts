/**
 * @module
 * Where the server's applied context edits go in the session stats, ready for a hook that delivers them.
 *
 * Anthropic reports `context_management.applied_edits` on each response; @ai-sdk/anthropic 3.0.111
 * parses it into `providerMetadata.anthropic.contextManagement.appliedEdits`, but opencode 1.18.33 drops
 * that metadata when it finishes a step: no plugin hook sees it, so on stock opencode these stats stay
 * at zero. An upstream patch exposing the step's provider metadata can feed `appliedEditsOf` straight
 * into `recordAppliedEdits`.
 */

export type AppliedEdit =
  | { type: "clear_tool_uses_20250919"; clearedToolUses: number; clearedInputTokens: number }
  | { type: "clear_thinking_20251015"; clearedThinkingTurns: number; clearedInputTokens: number }
  | { type: "compact_20260112" };

export interface AppliedEditsStats {
  /** Responses that reported at least one applied edit. */
  responses: number;
  /** Tool uses the server cleared (clear_tool_uses_20250919). */
  clearedToolUses: number;
  /** Assistant turns whose thinking the server cleared (clear_thinking_20251015). */
  clearedThinkingTurns: number;
  /** Input tokens the clearing edits removed, summed over both kinds. */
  clearedInputTokens: number;
  /** Server-side compactions (compact_20260112). */
  compactions: number;
}

export const EMPTY_APPLIED_EDITS_STATS: Readonly<AppliedEditsStats> = Object.freeze({
  responses: 0,
  clearedToolUses: 0,
  clearedThinkingTurns: 0,
  clearedInputTokens: 0,
  compactions: 0,
});

/** Adds one response's applied edits to the stats; returns new stats (the input is not modified). */
export function recordAppliedEdits(stats: Readonly<AppliedEditsStats>, edits: readonly AppliedEdit[]): AppliedEditsStats {
  const next = { ...stats };
  if (edits.length === 0) return next;
  next.responses += 1;
  for (const edit of edits) {
    switch (edit.type) {
      case "clear_tool_uses_20250919":
        next.clearedToolUses += edit.clearedToolUses;
        next.clearedInputTokens += edit.clearedInputTokens;
        break;
      case "clear_thinking_20251015":
        next.clearedThinkingTurns += edit.clearedThinkingTurns;
        next.clearedInputTokens += edit.clearedInputTokens;
        break;
      case "compact_20260112":
        next.compactions += 1;
        break;
    }
  }
  return next;
}

/**
 * Finds applied edits in what a hook might deliver: a step's provider metadata as @ai-sdk/anthropic
 * builds it (`{anthropic: {contextManagement: {appliedEdits}}}`, camelCase), or an API response or
 * `message_delta` body (`{context_management: {applied_edits}}`, snake_case). Undefined when the value
 * carries none; entries of unknown type or with missing counts are skipped.
 */
export function appliedEditsOf(value: unknown): AppliedEdit[] | undefined {
  const camel = field(field(field(value, "anthropic"), "contextManagement"), "appliedEdits");
  const snake = field(field(value, "context_management"), "applied_edits");
  const list = Array.isArray(camel) ? camel : Array.isArray(snake) ? snake : undefined;
  if (!list) return undefined;
  return list.flatMap((entry): AppliedEdit[] => {
    const type = field(entry, "type");
    const tokens = count(entry, "clearedInputTokens", "cleared_input_tokens");
    if (type === "clear_tool_uses_20250919") {
      const uses = count(entry, "clearedToolUses", "cleared_tool_uses");
      return uses !== undefined && tokens !== undefined ? [{ type, clearedToolUses: uses, clearedInputTokens: tokens }] : [];
    }
    if (type === "clear_thinking_20251015") {
      const turns = count(entry, "clearedThinkingTurns", "cleared_thinking_turns");
      return turns !== undefined && tokens !== undefined ? [{ type, clearedThinkingTurns: turns, clearedInputTokens: tokens }] : [];
    }
    return type === "compact_20260112" ? [{ type }] : [];
  });
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function count(entry: unknown, camel: string, snake: string): number | undefined {
  const value = field(entry, camel) ?? field(entry, snake);
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
