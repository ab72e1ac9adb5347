import { describe, expect, test } from "bun:test";
import { appliedEditsOf, EMPTY_APPLIED_EDITS_STATS, recordAppliedEdits } from "../../src/anthropic/applied-edits.ts";

describe("applied edits in the session stats", () => {
  test("recordAppliedEdits sums per kind and counts responses, without mutating", () => {
    const first = recordAppliedEdits(EMPTY_APPLIED_EDITS_STATS, [
      { type: "clear_thinking_20251015", clearedThinkingTurns: 2, clearedInputTokens: 1_500 },
      { type: "clear_tool_uses_20250919", clearedToolUses: 7, clearedInputTokens: 40_000 },
    ]);
    const second = recordAppliedEdits(first, [{ type: "compact_20260112" }]);
    expect(first).toEqual({ responses: 1, clearedToolUses: 7, clearedThinkingTurns: 2, clearedInputTokens: 41_500, compactions: 0 });
    expect(second).toEqual({ responses: 2, clearedToolUses: 7, clearedThinkingTurns: 2, clearedInputTokens: 41_500, compactions: 1 });
    expect(recordAppliedEdits(second, [])).toEqual(second);
    expect(EMPTY_APPLIED_EDITS_STATS.responses).toBe(0);
  });

  test("appliedEditsOf reads @ai-sdk/anthropic provider metadata (camelCase)", () => {
    const metadata = {
      anthropic: {
        contextManagement: {
          appliedEdits: [
            { type: "clear_tool_uses_20250919", clearedToolUses: 3, clearedInputTokens: 12_000 },
            { type: "clear_thinking_20251015", clearedThinkingTurns: 1, clearedInputTokens: 800 },
            { type: "compact_20260112" },
          ],
        },
      },
    };
    expect(appliedEditsOf(metadata)).toEqual(metadata.anthropic.contextManagement.appliedEdits as never);
  });

  test("appliedEditsOf reads an API response or message_delta (snake_case)", () => {
    const delta = { type: "message_delta", context_management: { applied_edits: [{ type: "clear_tool_uses_20250919", cleared_tool_uses: 4, cleared_input_tokens: 9_000 }] } };
    expect(appliedEditsOf(delta)).toEqual([{ type: "clear_tool_uses_20250919", clearedToolUses: 4, clearedInputTokens: 9_000 }]);
  });

  test("nothing to find, unknown or incomplete entries", () => {
    expect(appliedEditsOf(undefined)).toBeUndefined();
    expect(appliedEditsOf({ anthropic: { contextManagement: null } })).toBeUndefined();
    expect(appliedEditsOf({ context_management: { applied_edits: [{ type: "future_edit" }, { type: "clear_tool_uses_20250919", cleared_tool_uses: 1 }] } })).toEqual([]);
  });
});
