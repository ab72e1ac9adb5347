/**
 * What @ai-sdk/anthropic 3.0.111 sends for the plugin's edits: the API's snake_case `context_management`
 * and the beta header values. Written from the wire as observed through real opencode (see
 * test/e2e/context-management.test.ts), so unit tests can check planned edits against the API schema.
 */
import type { ContextManagementEdit, InputTokens, ToolUses } from "../../src/anthropic/context-management.ts";
import { BETA_COMPACT, BETA_CONTEXT_MANAGEMENT } from "../../src/harness/anthropic-schema.ts";

export type WireEdit =
  | { type: "clear_thinking_20251015"; keep?: "all" | { type: "thinking_turns"; value: number } }
  | {
      type: "clear_tool_uses_20250919";
      trigger?: InputTokens | ToolUses;
      keep?: ToolUses;
      clear_at_least?: InputTokens;
      clear_tool_inputs?: boolean;
      exclude_tools?: string[];
    }
  | { type: "compact_20260112"; trigger?: InputTokens; pause_after_compaction?: boolean; instructions?: string };

/** The API's snake_case edits, as @ai-sdk/anthropic maps them (absent keys stay absent). */
export function toWireEdits(edits: readonly ContextManagementEdit[]): WireEdit[] {
  return edits.map((edit): WireEdit => {
    switch (edit.type) {
      case "clear_thinking_20251015":
        return { type: edit.type, ...(edit.keep !== undefined && { keep: edit.keep }) };
      case "clear_tool_uses_20250919":
        return {
          type: edit.type,
          ...(edit.trigger !== undefined && { trigger: edit.trigger }),
          ...(edit.keep !== undefined && { keep: edit.keep }),
          ...(edit.clearAtLeast !== undefined && { clear_at_least: edit.clearAtLeast }),
          ...(edit.clearToolInputs !== undefined && { clear_tool_inputs: edit.clearToolInputs }),
          ...(edit.excludeTools !== undefined && { exclude_tools: edit.excludeTools }),
        };
      case "compact_20260112":
        return {
          type: edit.type,
          ...(edit.trigger !== undefined && { trigger: edit.trigger }),
          ...(edit.pauseAfterCompaction !== undefined && { pause_after_compaction: edit.pauseAfterCompaction }),
          ...(edit.instructions !== undefined && { instructions: edit.instructions }),
        };
    }
  });
}

/** The `anthropic-beta` values @ai-sdk/anthropic adds for these edits. */
export function betasFor(edits: readonly ContextManagementEdit[]): string[] {
  if (edits.length === 0) return [];
  return edits.some((edit) => edit.type === "compact_20260112") ? [BETA_CONTEXT_MANAGEMENT, BETA_COMPACT] : [BETA_CONTEXT_MANAGEMENT];
}
