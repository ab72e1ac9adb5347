import { describe, expect, test } from "bun:test";
import { ContextManagementOptions, defaultContextManagementOptions, SETTINGS_DEFAULTS } from "../../src/anthropic/schema.ts";

type Described = { description?: string; def: { type: string; innerType?: Described; shape?: Record<string, Described> }; shape?: Record<string, Described> };

function unwrap(schema: Described): Described {
  const inner = schema.def.innerType;
  return inner && (schema.def.type === "default" || schema.def.type === "optional") ? unwrap(inner) : schema;
}

/** Every option, nested ones as dotted keys, with its description. */
function described(schema: Described, prefix = ""): [string, string | undefined][] {
  const shape = unwrap(schema).shape ?? {};
  return Object.entries(shape).flatMap(([name, field]) => {
    const key = `${prefix}${name}`;
    const core = unwrap(field);
    const row: [string, string | undefined] = [key, field.description];
    return core.def.type === "object" && core.shape ? [row, ...described(core, `${key}.`)] : [row];
  });
}

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
    expect(options.default.clearToolUses.keep).toBe(SETTINGS_DEFAULTS.clearToolUses.keep);
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
    const rows = described(ContextManagementOptions as unknown as Described);
    expect(rows.length).toBeGreaterThan(20);
    for (const [key, description] of rows) {
      expect(description, key).toBeString();
      expect(description!.includes("\n"), key).toBe(false);
    }
  });
});
