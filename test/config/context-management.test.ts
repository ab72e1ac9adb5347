import { describe, expect, test } from "bun:test";
import { ContextManagementOptions, ContextManagementSettings, defaultContextManagementOptions } from "../../src/config/context-management.ts";
import { optionRows } from "../../src/config/describe.ts";

describe("ContextManagementOptions", () => {
  test("defaults: on, compaction off, title/summary/compaction agents and github-copilot skipped", () => {
    const options = defaultContextManagementOptions();
    expect(options.enabled).toBe(true);
    expect(options.skipAgents).toEqual(["title", "summary", "compaction"]);
    expect(options.skipProviders).toEqual(["github-copilot"]);
    expect(options.models).toEqual({});
    expect(options.default).toEqual({
      enabled: true,
      clearThinking: { enabled: true, keep: 1 },
      clearToolUses: { enabled: true, triggerRatio: 0.8, keep: 3, clearAtLeastRatio: 0.2, excludeTools: [], clearToolInputs: false },
      compact: { enabled: false, triggerRatio: 0.9, pauseAfterCompaction: false },
    });
    expect(options.default.clearToolUses.keep).toBe(ContextManagementSettings.parse({}).clearToolUses.keep);
  });

  test("a partial default block keeps the other defaults", () => {
    const options = ContextManagementOptions.parse({ default: { compact: { enabled: true } } });
    expect(options.default.compact).toEqual({ enabled: true, triggerRatio: 0.9, pauseAfterCompaction: false });
    expect(options.default.clearThinking).toEqual({ enabled: true, keep: 1 });
  });

  test("overrides are partial: only what is given is set", () => {
    const options = ContextManagementOptions.parse({ models: { "anthropic/claude-opus-4-6": { clearToolUses: { keep: 5 } } } });
    expect(options.models["anthropic/claude-opus-4-6"]).toEqual({ clearToolUses: { keep: 5 } });
  });

  test("rejects unknown keys, bad ratios, a compaction trigger below the API minimum, snake_case", () => {
    const bad = [
      { unknown: 1 },
      { default: { clearToolUses: { triggerRatio: 1.5 } } },
      { default: { clearToolUses: { clear_at_least: 1000 } } },
      { models: { m: { compact: { trigger: 10_000 } } } },
      { models: { m: { clearThinking: { keep: 0 } } } },
      { models: { m: { clearToolUses: { trigger: { tool_uses: 3 } } } } },
      { skipAgents: "title" },
    ];
    for (const input of bad) expect(ContextManagementOptions.safeParse(input).success).toBe(false);
    expect(ContextManagementOptions.safeParse({ models: { m: { clearToolUses: { trigger: { toolUses: 30 } }, clearThinking: { keep: "all" } } } }).success).toBe(true);
  });

  test("every option has a one-line description (the README's table comes from them)", () => {
    const rows = optionRows(ContextManagementOptions as unknown as Parameters<typeof optionRows>[0]).map((r) => [r.key, r.description] as const);
    expect(rows.length).toBeGreaterThan(20);
    for (const [key, description] of rows) {
      expect(description, key).not.toBe("");
      expect(description!.includes("\n"), key).toBe(false);
    }
  });
});
