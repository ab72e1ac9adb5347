import type Anthropic from "@anthropic-ai/sdk";
import { describe, expect, test } from "bun:test";
import {
  type CallFacts,
  type CompressionPolicy,
  DEFAULT_COMPRESSION_POLICY,
  clearToolUsesEdit,
  compactEdit,
  decideContextManagement,
  isSkippedProvider,
  overrideKeys,
  planEdits,
  resolveSettings,
  servedByAnthropicSdk,
  serverExcludedTools,
  serverKeep,
  thinkingEnabled,
} from "../../src/anthropic/context-management.ts";
import { usableInputTokens } from "../../src/tokens/window.ts";
import { betasFor, toWireEdits, type WireEdit } from "./wire.ts";
import { ContextManagementOptions, type ContextManagementSettings, defaultContextManagementOptions } from "../../src/config/context-management.ts";
import { validateContextManagement } from "../../src/harness/anthropic-schema.ts";

// The wire shape this module documents must be one the SDK's types accept.
type SdkEdit = NonNullable<Anthropic.Beta.Messages.BetaContextManagementConfig["edits"]>[number];
const wireFitsSdk: [WireEdit] extends [SdkEdit] ? true : false = true;
void wireFitsSdk;

const DEFAULTS = defaultContextManagementOptions();
const SETTINGS: ContextManagementSettings = DEFAULTS.default;
const WINDOW_200K = { context: 200_000, output: 64_000 };

function call(overrides: Partial<CallFacts> = {}): CallFacts {
  return {
    agent: "build",
    providerID: "anthropic",
    modelID: "claude-sonnet-4-5",
    npm: "@ai-sdk/anthropic",
    limit: WINDOW_200K,
    callOptions: {},
    ...overrides,
  };
}

function options(input: unknown): ContextManagementOptions {
  return ContextManagementOptions.parse(input);
}

describe("which calls get context management", () => {
  test("only models served by @ai-sdk/anthropic: Anthropic, custom providers on it, Vertex Anthropic", () => {
    expect(servedByAnthropicSdk("@ai-sdk/anthropic")).toBe(true);
    expect(servedByAnthropicSdk("@ai-sdk/google-vertex/anthropic")).toBe(true);
    for (const npm of ["@ai-sdk/openai-compatible", "@ai-sdk/openai", "@ai-sdk/amazon-bedrock", "@ai-sdk/google-vertex", "@openrouter/ai-sdk-provider", undefined]) {
      expect(servedByAnthropicSdk(npm)).toBe(false);
    }
    expect(decideContextManagement(DEFAULTS, call({ npm: "@ai-sdk/openai-compatible" })).kind).toBe("skip");
    expect(decideContextManagement(DEFAULTS, call({ providerID: "my-proxy", npm: "@ai-sdk/anthropic" })).kind).toBe("set");
    expect(decideContextManagement(DEFAULTS, call({ providerID: "google-vertex-anthropic", npm: "@ai-sdk/google-vertex/anthropic" })).kind).toBe("set");
  });

  test("main and subagent steps yes; title, summary and opencode's compaction no", () => {
    for (const agent of ["build", "plan", "general", "explore"]) expect(decideContextManagement(DEFAULTS, call({ agent })).kind).toBe("set");
    for (const agent of ["title", "summary", "compaction"]) {
      expect(decideContextManagement(DEFAULTS, call({ agent }))).toEqual({ kind: "skip", reason: `agent ${agent} is in skipAgents` });
    }
  });

  test("skipped providers match by substring (github-copilot and its enterprise variants)", () => {
    expect(isSkippedProvider("github-copilot-enterprise", DEFAULTS.skipProviders)).toBe(true);
    expect(decideContextManagement(DEFAULTS, call({ providerID: "github-copilot" })).kind).toBe("skip");
    expect(decideContextManagement(options({ skipProviders: [] }), call({ providerID: "github-copilot" })).kind).toBe("set");
  });

  test("disabled globally or per model, and a contextManagement set in opencode's config is left alone", () => {
    expect(decideContextManagement(options({ enabled: false }), call()).kind).toBe("skip");
    expect(decideContextManagement(options({ models: { "anthropic/claude-sonnet-4-5": { enabled: false } } }), call()).kind).toBe("skip");
    const own = decideContextManagement(DEFAULTS, call({ callOptions: { contextManagement: { edits: [] } } }));
    expect(own.kind).toBe("skip");
  });
});

describe("defaults derived from model.limit", () => {
  test("200k window, defaults: trigger 80%, clear_at_least 20% of the usable window, keep 3, recall excluded", () => {
    const { edits, notes } = planEdits(SETTINGS, { limit: WINDOW_200K, thinking: false }, DEFAULT_COMPRESSION_POLICY);
    expect(notes).toEqual([]);
    expect(edits).toEqual([
      {
        type: "clear_tool_uses_20250919",
        trigger: { type: "input_tokens", value: 134_400 },
        keep: { type: "tool_uses", value: 3 },
        clearAtLeast: { type: "input_tokens", value: 33_600 },
        clearToolInputs: false,
        excludeTools: ["recall", "todowrite", "skill"],
      },
    ]);
  });

  test("1M window scales the numbers", () => {
    const edit = clearToolUsesEdit(SETTINGS, usableInputTokens({ context: 1_000_000, output: 128_000 }), DEFAULT_COMPRESSION_POLICY, []);
    expect(edit?.trigger).toEqual({ type: "input_tokens", value: 774_400 });
    expect(edit?.clearAtLeast).toEqual({ type: "input_tokens", value: 193_600 });
  });

  test("unknown window: no clearing unless a trigger is configured", () => {
    const notes: string[] = [];
    expect(clearToolUsesEdit(SETTINGS, undefined, DEFAULT_COMPRESSION_POLICY, notes)).toBeUndefined();
    expect(notes[0]).toContain("unknown");
    const absolute = clearToolUsesEdit({ ...SETTINGS, clearToolUses: { ...SETTINGS.clearToolUses, trigger: 90_000 } }, undefined, DEFAULT_COMPRESSION_POLICY, []);
    expect(absolute?.trigger).toEqual({ type: "input_tokens", value: 90_000 });
    expect(absolute?.clearAtLeast).toBeUndefined();
  });

  test("a tool_uses trigger and absolute clear_at_least are passed as configured", () => {
    const settings = { ...SETTINGS, clearToolUses: { ...SETTINGS.clearToolUses, trigger: { toolUses: 40 }, clearAtLeast: 10_000 } };
    const edit = clearToolUsesEdit(settings, 168_000, DEFAULT_COMPRESSION_POLICY, []);
    expect(edit?.trigger).toEqual({ type: "tool_uses", value: 40 });
    expect(edit?.clearAtLeast).toEqual({ type: "input_tokens", value: 10_000 });
  });

  test("clear_at_least at or above the trigger could never be met: capped at half the trigger", () => {
    const notes: string[] = [];
    const settings = { ...SETTINGS, clearToolUses: { ...SETTINGS.clearToolUses, trigger: 50_000, clearAtLeast: 60_000 } };
    expect(clearToolUsesEdit(settings, 168_000, DEFAULT_COMPRESSION_POLICY, notes)?.clearAtLeast).toEqual({ type: "input_tokens", value: 25_000 });
    expect(notes).toHaveLength(1);
  });

  test("compaction is off by default; when on it triggers after clearing and never below the API minimum", () => {
    expect(compactEdit(SETTINGS, 168_000, [])).toBeUndefined();
    const on = { ...SETTINGS, compact: { ...SETTINGS.compact, enabled: true } };
    const notes: string[] = [];
    expect(compactEdit(on, 168_000, notes)).toEqual({ type: "compact_20260112", trigger: { type: "input_tokens", value: 151_200 }, pauseAfterCompaction: false });
    expect(notes.join()).toContain("encrypted_content");
    expect(compactEdit(on, 60_000, [])?.trigger).toEqual({ type: "input_tokens", value: 54_000 });
    expect(compactEdit(on, 55_000, [])?.trigger).toEqual({ type: "input_tokens", value: 50_000 });
    const small: string[] = [];
    expect(compactEdit(on, 40_000, small)).toBeUndefined();
    expect(small[0]).toContain("minimum");
    expect(compactEdit(on, undefined, [])).toEqual({ type: "compact_20260112", pauseAfterCompaction: false }); // API default trigger
    const custom = { ...on, compact: { ...on.compact, trigger: 120_000, instructions: "Keep every recall handle.", pauseAfterCompaction: true } };
    expect(compactEdit(custom, 168_000, [])).toEqual({
      type: "compact_20260112",
      trigger: { type: "input_tokens", value: 120_000 },
      pauseAfterCompaction: true,
      instructions: "Keep every recall handle.",
    });
  });
});

describe("thinking", () => {
  test("thinking is on for enabled and adaptive, off otherwise", () => {
    expect(thinkingEnabled({ thinking: { type: "enabled", budgetTokens: 4000 } })).toBe(true);
    expect(thinkingEnabled({ thinking: { type: "adaptive" } })).toBe(true);
    expect(thinkingEnabled({ thinking: { type: "disabled" } })).toBe(false);
    expect(thinkingEnabled({})).toBe(false);
    expect(thinkingEnabled({ thinking: "yes" })).toBe(false);
  });

  test("clear_thinking only with thinking on, and always first", () => {
    const off = planEdits(SETTINGS, { limit: WINDOW_200K, thinking: false }, DEFAULT_COMPRESSION_POLICY).edits;
    expect(off.map((e) => e.type)).toEqual(["clear_tool_uses_20250919"]);
    const on = { ...SETTINGS, compact: { ...SETTINGS.compact, enabled: true } };
    const edits = planEdits(on, { limit: WINDOW_200K, thinking: true }, DEFAULT_COMPRESSION_POLICY).edits;
    expect(edits.map((e) => e.type)).toEqual(["clear_thinking_20251015", "clear_tool_uses_20250919", "compact_20260112"]);
    expect(edits[0]).toEqual({ type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 1 } });
  });

  test('keep "all" and a disabled thinking edit', () => {
    const all = { ...SETTINGS, clearThinking: { enabled: true, keep: "all" as const } };
    expect(planEdits(all, { limit: WINDOW_200K, thinking: true }, DEFAULT_COMPRESSION_POLICY).edits[0]).toEqual({ type: "clear_thinking_20251015", keep: "all" });
    const none = { ...SETTINGS, clearThinking: { enabled: false, keep: 1 } };
    expect(planEdits(none, { limit: WINDOW_200K, thinking: true }, DEFAULT_COMPRESSION_POLICY).edits.map((e) => e.type)).toEqual(["clear_tool_uses_20250919"]);
  });
});

describe("coordination with the plugin's compression", () => {
  const policy: CompressionPolicy = { keepLast: 6, excludeTools: ["todowrite"], tools: { webfetch: { compress: false }, bash: { compress: true } } };

  test("exclude_tools: recall always, then the plugin's never-compressed tools, then configured extras, no duplicates", () => {
    expect(serverExcludedTools([], policy)).toEqual(["recall", "todowrite", "webfetch"]);
    expect(serverExcludedTools(["recall", "task"], policy)).toEqual(["recall", "todowrite", "webfetch", "task"]);
    expect(serverExcludedTools([], { keepLast: 3, excludeTools: [] })).toEqual(["recall"]);
  });

  test("keep is never below the plugin's keepLast", () => {
    expect(serverKeep(3, policy)).toBe(6);
    expect(serverKeep(10, policy)).toBe(10);
    expect(clearToolUsesEdit(SETTINGS, 168_000, policy, [])?.keep).toEqual({ type: "tool_uses", value: 6 });
  });

  test("the clearing trigger is below opencode's overflow, compaction's above clearing's", () => {
    for (const limit of [WINDOW_200K, { context: 1_000_000, output: 128_000 }, { context: 200_000, output: 8_192 }]) {
      const usable = usableInputTokens(limit)!;
      const on = { ...SETTINGS, compact: { ...SETTINGS.compact, enabled: true } };
      const [clear, compact] = planEdits(on, { limit, thinking: false }, DEFAULT_COMPRESSION_POLICY).edits;
      const clearAt = clear?.type === "clear_tool_uses_20250919" ? clear.trigger?.value ?? 0 : 0;
      const compactAt = compact?.type === "compact_20260112" ? compact.trigger?.value ?? 0 : 0;
      expect(clearAt).toBeLessThan(compactAt);
      expect(compactAt).toBeLessThan(usable);
    }
  });

  test("tool inputs are kept by default: they say what each cleared call was", () => {
    expect(clearToolUsesEdit(SETTINGS, 168_000, DEFAULT_COMPRESSION_POLICY, [])?.clearToolInputs).toBe(false);
  });
});

describe("per-provider and per-model overrides", () => {
  const configured = options({
    default: { clearToolUses: { triggerRatio: 0.7 } },
    models: {
      "anthropic/*": { clearToolUses: { keep: 5 } },
      "claude-opus-4-6": { compact: { enabled: true }, clearToolUses: { excludeTools: ["task"] } },
      "anthropic/claude-opus-4-6": { clearToolUses: { triggerRatio: 0.75 } },
      "vertex/claude-opus-4-6": { enabled: false },
    },
  });

  test("keys apply least specific first", () => {
    expect(overrideKeys("anthropic", "claude-opus-4-6")).toEqual(["anthropic/*", "claude-opus-4-6", "anthropic/claude-opus-4-6"]);
    const settings = resolveSettings(configured, "anthropic", "claude-opus-4-6");
    expect(settings.clearToolUses).toMatchObject({ triggerRatio: 0.75, keep: 5, excludeTools: ["task"] });
    expect(settings.compact.enabled).toBe(true);
    expect(resolveSettings(configured, "anthropic", "claude-haiku-4-5").clearToolUses).toMatchObject({ triggerRatio: 0.7, keep: 5 });
    expect(resolveSettings(configured, "other", "claude-haiku-4-5").clearToolUses).toMatchObject({ triggerRatio: 0.7, keep: 3 });
    expect(resolveSettings(configured, "vertex", "claude-opus-4-6").enabled).toBe(false);
  });

  test("an override leaves unspecified fields at the default block's values", () => {
    const settings = resolveSettings(options({ models: { m: { clearThinking: { keep: 3 } } } }), "p", "m");
    expect(settings.clearThinking).toEqual({ enabled: true, keep: 3 });
    expect(settings.clearToolUses).toEqual(SETTINGS.clearToolUses);
  });

  test("the full decision for a configured model", () => {
    const decision = decideContextManagement(configured, call({ modelID: "claude-opus-4-6", callOptions: { thinking: { type: "adaptive" } } }));
    expect(decision.kind).toBe("set");
    if (decision.kind !== "set") return;
    expect(toWireEdits(decision.contextManagement.edits)).toEqual([
      { type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 1 } },
      {
        type: "clear_tool_uses_20250919",
        trigger: { type: "input_tokens", value: 126_000 },
        keep: { type: "tool_uses", value: 5 },
        clear_at_least: { type: "input_tokens", value: 33_600 },
        clear_tool_inputs: false,
        exclude_tools: ["recall", "todowrite", "skill", "task"],
      },
      { type: "compact_20260112", trigger: { type: "input_tokens", value: 151_200 }, pause_after_compaction: false },
    ]);
    expect(betasFor(decision.contextManagement.edits)).toEqual(["context-management-2025-06-27", "compact-2026-01-12"]);
  });
});

describe("every planned edit set passes the API schema the mock enforces", () => {
  const limits = [WINDOW_200K, { context: 1_000_000, output: 128_000 }, { context: 60_000, output: 4_096 }, { context: 0, output: 0 }];
  const variants: ContextManagementOptions[] = [
    DEFAULTS,
    options({ default: { compact: { enabled: true }, clearThinking: { keep: "all" } } }),
    options({ default: { clearToolUses: { trigger: { toolUses: 20 }, clearAtLeast: 0, clearToolInputs: true } } }),
  ];
  for (const [i, variant] of variants.entries()) {
    for (const limit of limits) {
      for (const thinking of [false, true]) {
        test(`variant ${i}, window ${limit.context}, thinking ${thinking}`, () => {
          const decision = decideContextManagement(variant, call({ limit, callOptions: thinking ? { thinking: { type: "enabled", budgetTokens: 2000 } } : {} }));
          if (decision.kind === "skip") return;
          const edits = decision.contextManagement.edits;
          const body = { context_management: { edits: toWireEdits(edits) }, ...(thinking ? { thinking: { type: "enabled", budget_tokens: 2000 } } : {}) };
          expect(validateContextManagement(body, { headers: { "anthropic-beta": betasFor(edits).join(",") } })).toBeUndefined();
        });
      }
    }
  }
});
