import { z } from "zod";

/**
 * Options of provider-native context management (Anthropic `context_management`), embedded in the
 * plugin options under `contextManagement`. One settings block (`default`) applies to every model served
 * through `@ai-sdk/anthropic`; `models` overrides it per provider or model. Window-derived numbers
 * (triggers, clear_at_least) are computed per request from the model's `limit` unless given absolutely.
 */

/** The API's minimum `compact_20260112` trigger (input tokens). */
export const MIN_COMPACT_TRIGGER = 50_000;

const ratio = () => z.number().gt(0).lte(1);
const enabled = () => z.boolean();

/**
 * The settings for every Anthropic-served model: the one schema from which their defaults, their
 * descriptions (the README's option table) and the per-model override (`ContextManagementOverride`) derive.
 */
export const ContextManagementSettings = z
  .object({
    enabled: enabled().default(true).describe("false sends no context_management for the models this block applies to"),
    clearThinking: z
      .object({
        enabled: enabled()
          .default(true)
          .describe("send clear_thinking_20251015 (first among the edits) whenever the request has thinking on"),
        keep: z
          .union([z.number().int().positive(), z.literal("all")])
          .default(1)
          .describe('newest assistant turns whose thinking blocks are kept: a number or "all"'),
      })
      .strict()
      .prefault({})
      .describe("clear_thinking_20251015: drop thinking blocks of older assistant turns"),
    clearToolUses: z
      .object({
        enabled: enabled()
          .default(true)
          .describe("send clear_tool_uses_20250919: the server clears old tool results as a safety net near the window limit"),
        trigger: z
          .union([z.number().int().positive(), z.object({ toolUses: z.number().int().positive() }).strict()])
          .optional()
          .describe('when the server starts clearing: input tokens (number) or {"toolUses": N}; default triggerRatio of the usable window'),
        triggerRatio: ratio()
          .default(0.8)
          .describe("default trigger as a fraction of the usable window (context, or input, minus opencode's output reserve)"),
        keep: z
          .number()
          .int()
          .nonnegative()
          .default(3)
          .describe("newest tool uses the server never clears; raised to at least the plugin's keepLast"),
        clearAtLeast: z
          .number()
          .int()
          .nonnegative()
          .optional()
          .describe(
            "input tokens a clearing must free or it is skipped (each clearing rewrites the prompt cache); default clearAtLeastRatio of the usable window",
          ),
        clearAtLeastRatio: z.number().gte(0).lt(1).default(0.2).describe("default clearAtLeast as a fraction of the usable window"),
        excludeTools: z
          .array(z.string().min(1))
          .default([])
          .describe("extra tools whose results the server never clears; recall and the plugin's excludeTools always are"),
        clearToolInputs: enabled()
          .default(false)
          .describe("also clear the inputs of cleared tool calls (they say what each call was, so default false)"),
      })
      .strict()
      .prefault({})
      .describe("clear_tool_uses_20250919: server-side clearing of old tool results"),
    compact: z
      .object({
        enabled: enabled()
          .default(false)
          .describe("send compact_20260112 (server-side summary); off by default, see the README for what stock opencode loses"),
        trigger: z
          .number()
          .int()
          .min(MIN_COMPACT_TRIGGER)
          .optional()
          .describe(`input tokens at which the server compacts (API minimum ${MIN_COMPACT_TRIGGER}); default triggerRatio of the usable window`),
        triggerRatio: ratio()
          .default(0.9)
          .describe("default compaction trigger as a fraction of the usable window; above clearToolUses.triggerRatio so clearing comes first"),
        instructions: z.string().min(1).optional().describe("summarisation instructions passed to the API as is"),
        pauseAfterCompaction: enabled()
          .default(false)
          .describe("ask the API to stop after the compaction block (opencode then ends the turn there)"),
      })
      .strict()
      .prefault({})
      .describe("compact_20260112: server-side compaction (beta compact-2026-01-12)"),
  })
  .strict();
export type ContextManagementSettings = z.infer<typeof ContextManagementSettings>;

/** Any subset of the settings, at any depth. */
type Partially<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? Partially<T[K]> : T[K] };
export type ContextManagementOverride = Partially<ContextManagementSettings>;

/**
 * The settings schema with every default removed and every field optional, at every depth, descriptions
 * kept: an override names only what it changes, and the rest comes from the block it is merged onto.
 */
function overrideOf(schema: z.ZodType): z.ZodType {
  const described = (inner: z.ZodType) => (schema.description === undefined ? inner : inner.describe(schema.description));
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
    return described(overrideOf(schema.unwrap() as z.ZodType));
  }
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(Object.entries(schema.shape).map(([key, field]) => [key, overrideOf(field as z.ZodType)]));
    return described(z.object(shape).strict().optional());
  }
  return described(schema.optional());
}

/** A per-provider or per-model override: any subset of the settings, merged field by field. */
export const ContextManagementOverride = (overrideOf(ContextManagementSettings) as z.ZodOptional<z.ZodType>).unwrap() as z.ZodType<
  ContextManagementOverride
>;

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
    default: ContextManagementSettings.prefault({}).describe(
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
