import { z } from "zod";

/**
 * Options of provider-native context management (Anthropic `context_management`), embedded in the
 * plugin options under `contextManagement`. One settings block (`default`) applies to every model served
 * through `@ai-sdk/anthropic`; `models` overrides it per provider or model. Window-derived numbers
 * (triggers, clear_at_least) are computed per request from the model's `limit` unless given absolutely.
 */

/** The API's minimum `compact_20260112` trigger (input tokens). */
export const MIN_COMPACT_TRIGGER = 50_000;

/** Documented defaults of the settings; `default` in the options starts from these. */
export const SETTINGS_DEFAULTS = {
  enabled: true,
  clearThinking: { enabled: true, keep: 1 as number | "all" },
  clearToolUses: {
    enabled: true,
    triggerRatio: 0.8,
    keep: 3,
    clearAtLeastRatio: 0.2,
    excludeTools: [] as string[],
    clearToolInputs: false,
  },
  compact: { enabled: false, triggerRatio: 0.9, pauseAfterCompaction: false },
} as const;

const describeSettings = {
  enabled: "false sends no context_management for the models this block applies to",
  clearThinking: {
    enabled: "send clear_thinking_20251015 (first among the edits) whenever the request has thinking on",
    keep: 'newest assistant turns whose thinking blocks are kept: a number or "all"',
  },
  clearToolUses: {
    enabled: "send clear_tool_uses_20250919: the server clears old tool results as a safety net near the window limit",
    trigger: 'when the server starts clearing: input tokens (number) or {"toolUses": N}; default triggerRatio of the usable window',
    triggerRatio: "default trigger as a fraction of the usable window (context, or input, minus opencode's output reserve)",
    keep: "newest tool uses the server never clears; raised to at least the plugin's keepLast",
    clearAtLeast: "input tokens a clearing must free or it is skipped (each clearing rewrites the prompt cache); default clearAtLeastRatio of the usable window",
    clearAtLeastRatio: "default clearAtLeast as a fraction of the usable window",
    excludeTools: "extra tools whose results the server never clears; recall and the plugin's excludeTools always are",
    clearToolInputs: "also clear the inputs of cleared tool calls (they say what each call was, so default false)",
  },
  compact: {
    enabled: "send compact_20260112 (server-side summary); off by default, see the README for what stock opencode loses",
    trigger: `input tokens at which the server compacts (API minimum ${MIN_COMPACT_TRIGGER}); default triggerRatio of the usable window`,
    triggerRatio: "default compaction trigger as a fraction of the usable window; above clearToolUses.triggerRatio so clearing comes first",
    instructions: "summarisation instructions passed to the API as is",
    pauseAfterCompaction: "ask the API to stop after the compaction block (opencode then ends the turn there)",
  },
} as const;

const ratio = () => z.number().gt(0).lte(1);
const field = {
  enabled: () => z.boolean(),
  thinkingKeep: () => z.union([z.number().int().positive(), z.literal("all")]),
  clearTrigger: () => z.union([z.number().int().positive(), z.object({ toolUses: z.number().int().positive() }).strict()]),
  toolUsesKeep: () => z.number().int().nonnegative(),
  clearAtLeast: () => z.number().int().nonnegative(),
  clearAtLeastRatio: () => z.number().gte(0).lt(1),
  tools: () => z.array(z.string().min(1)),
  compactTrigger: () => z.number().int().min(MIN_COMPACT_TRIGGER),
  instructions: () => z.string().min(1),
};
const t = describeSettings;
const d = SETTINGS_DEFAULTS;
const sections = {
  clearThinking: "clear_thinking_20251015: drop thinking blocks of older assistant turns",
  clearToolUses: "clear_tool_uses_20250919: server-side clearing of old tool results",
  compact: "compact_20260112: server-side compaction (beta compact-2026-01-12)",
};

/** The settings for every Anthropic-served model, with defaults. */
export const ContextManagementSettings = z
  .object({
    enabled: field.enabled().default(d.enabled).describe(t.enabled),
    clearThinking: z
      .object({
        enabled: field.enabled().default(d.clearThinking.enabled).describe(t.clearThinking.enabled),
        keep: field.thinkingKeep().default(d.clearThinking.keep).describe(t.clearThinking.keep),
      })
      .strict()
      .default({ enabled: d.clearThinking.enabled, keep: d.clearThinking.keep })
      .describe(sections.clearThinking),
    clearToolUses: z
      .object({
        enabled: field.enabled().default(d.clearToolUses.enabled).describe(t.clearToolUses.enabled),
        trigger: field.clearTrigger().optional().describe(t.clearToolUses.trigger),
        triggerRatio: ratio().default(d.clearToolUses.triggerRatio).describe(t.clearToolUses.triggerRatio),
        keep: field.toolUsesKeep().default(d.clearToolUses.keep).describe(t.clearToolUses.keep),
        clearAtLeast: field.clearAtLeast().optional().describe(t.clearToolUses.clearAtLeast),
        clearAtLeastRatio: field.clearAtLeastRatio().default(d.clearToolUses.clearAtLeastRatio).describe(t.clearToolUses.clearAtLeastRatio),
        excludeTools: field.tools().default([...d.clearToolUses.excludeTools]).describe(t.clearToolUses.excludeTools),
        clearToolInputs: field.enabled().default(d.clearToolUses.clearToolInputs).describe(t.clearToolUses.clearToolInputs),
      })
      .strict()
      .default({ ...d.clearToolUses, excludeTools: [...d.clearToolUses.excludeTools] })
      .describe(sections.clearToolUses),
    compact: z
      .object({
        enabled: field.enabled().default(d.compact.enabled).describe(t.compact.enabled),
        trigger: field.compactTrigger().optional().describe(t.compact.trigger),
        triggerRatio: ratio().default(d.compact.triggerRatio).describe(t.compact.triggerRatio),
        instructions: field.instructions().optional().describe(t.compact.instructions),
        pauseAfterCompaction: field.enabled().default(d.compact.pauseAfterCompaction).describe(t.compact.pauseAfterCompaction),
      })
      .strict()
      .default({ ...d.compact })
      .describe(sections.compact),
  })
  .strict();
export type ContextManagementSettings = z.infer<typeof ContextManagementSettings>;

/** A per-provider or per-model override: any subset of the settings, merged field by field. */
export const ContextManagementOverride = z
  .object({
    enabled: field.enabled().optional().describe(t.enabled),
    clearThinking: z
      .object({
        enabled: field.enabled().optional().describe(t.clearThinking.enabled),
        keep: field.thinkingKeep().optional().describe(t.clearThinking.keep),
      })
      .strict()
      .optional()
      .describe(sections.clearThinking),
    clearToolUses: z
      .object({
        enabled: field.enabled().optional().describe(t.clearToolUses.enabled),
        trigger: field.clearTrigger().optional().describe(t.clearToolUses.trigger),
        triggerRatio: ratio().optional().describe(t.clearToolUses.triggerRatio),
        keep: field.toolUsesKeep().optional().describe(t.clearToolUses.keep),
        clearAtLeast: field.clearAtLeast().optional().describe(t.clearToolUses.clearAtLeast),
        clearAtLeastRatio: field.clearAtLeastRatio().optional().describe(t.clearToolUses.clearAtLeastRatio),
        excludeTools: field.tools().optional().describe(t.clearToolUses.excludeTools),
        clearToolInputs: field.enabled().optional().describe(t.clearToolUses.clearToolInputs),
      })
      .strict()
      .optional()
      .describe(sections.clearToolUses),
    compact: z
      .object({
        enabled: field.enabled().optional().describe(t.compact.enabled),
        trigger: field.compactTrigger().optional().describe(t.compact.trigger),
        triggerRatio: ratio().optional().describe(t.compact.triggerRatio),
        instructions: field.instructions().optional().describe(t.compact.instructions),
        pauseAfterCompaction: field.enabled().optional().describe(t.compact.pauseAfterCompaction),
      })
      .strict()
      .optional()
      .describe(sections.compact),
  })
  .strict();
export type ContextManagementOverride = z.infer<typeof ContextManagementOverride>;

export const ContextManagementOptions = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("false never touches context_management (Anthropic models then run as on stock opencode)"),
    skipAgents: z
      .array(z.string().min(1))
      .default(["title", "summary", "compaction"])
      .describe("agents whose LLM calls get no context_management (title, session summary, opencode's compaction)"),
    skipProviders: z
      .array(z.string().min(1))
      .default(["github-copilot"])
      .describe("provider ids (substring match) that get none although they use @ai-sdk/anthropic, e.g. proxies that may reject the beta"),
    default: ContextManagementSettings.default(ContextManagementSettings.parse({})).describe(
      "settings for every model served through @ai-sdk/anthropic or @ai-sdk/google-vertex/anthropic",
    ),
    models: z
      .record(z.string().min(1), ContextManagementOverride)
      .default({})
      .describe('overrides by "provider/model", "model" or "provider/*", most specific last: any subset of the default block'),
  })
  .strict();

export type ContextManagementOptions = z.infer<typeof ContextManagementOptions>;

/** The options with every default applied, e.g. for tests and for the plugin when the key is absent. */
export function defaultContextManagementOptions(): ContextManagementOptions {
  return ContextManagementOptions.parse({});
}
