import { describe, expect, test } from "bun:test";
import { validateContextManagement } from "../../src/harness/anthropic-schema.ts";

const CM = "context-management-2025-06-27";
const BOTH = `${CM},compact-2026-01-12`;
const clearToolUses = { type: "clear_tool_uses_20250919", trigger: { type: "input_tokens", value: 100_000 }, keep: { type: "tool_uses", value: 3 } };
const clearThinking = { type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 1 } };
const compact = { type: "compact_20260112", trigger: { type: "input_tokens", value: 150_000 } };
const thinking = { type: "enabled", budget_tokens: 2000 };

const check = (body: Record<string, unknown>, beta = CM) => validateContextManagement(body, { headers: beta ? { "anthropic-beta": beta } : {} });

describe("the mock's context_management validator (the API's documented rules)", () => {
  test("accepts documented shapes", () => {
    expect(check({})).toBeUndefined();
    expect(check({ context_management: { edits: [clearToolUses] } })).toBeUndefined();
    expect(check({ context_management: {} })).toBeUndefined();
    expect(check({ thinking, context_management: { edits: [clearThinking, clearToolUses, compact] } }, BOTH)).toBeUndefined();
    expect(check({ thinking: { type: "adaptive" }, context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] } })).toBeUndefined();
    const full = { ...clearToolUses, clear_at_least: { type: "input_tokens", value: 5000 }, exclude_tools: ["recall"], clear_tool_inputs: ["bash"] };
    expect(check({ context_management: { edits: [full] } })).toBeUndefined();
    expect(check({ context_management: { edits: [{ type: "clear_tool_uses_20250919", trigger: { type: "tool_uses", value: 10 } }] } })).toBeUndefined();
  });

  test("rejects what the API rejects", () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ context_management: { edits: [clearToolUses] } }, "", "requires the anthropic-beta context-management-2025-06-27"],
      [{ context_management: { edits: [{ ...clearToolUses, clearAtLeast: { type: "input_tokens", value: 1 } }] } }, CM, "Unrecognized key"],
      [{ context_management: { edits: [{ type: "clear_tool_uses_20250919", trigger: 100000 }] } }, CM, "context_management.edits.0.trigger"],
      [{ context_management: { edits: [{ type: "clear_everything" }] } }, CM, "context_management.edits.0.type"],
      [{ thinking, context_management: { edits: [clearToolUses, clearThinking] } }, CM, "must be the first edit"],
      [{ context_management: { edits: [clearThinking] } }, CM, "requires thinking to be enabled"],
      [{ thinking: { type: "disabled" }, context_management: { edits: [clearThinking] } }, CM, "requires thinking to be enabled"],
      [{ context_management: { edits: [compact] } }, CM, "requires the anthropic-beta compact-2026-01-12"],
      [{ context_management: { edits: [{ ...compact, trigger: { type: "input_tokens", value: 40_000 } }] } }, BOTH, "context_management.edits.0.trigger.value"],
      [{ context_management: { edits: [{ type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 0 } }] }, thinking }, CM, "keep"],
      [{ messages: [{ role: "assistant", content: [{ type: "compaction", content: "summary" }] }] }, CM, "compaction blocks require"],
    ];
    for (const [body, beta, message] of cases) expect(check(body, beta), JSON.stringify(body)).toContain(message);
  });
});
