/**
 * @module
 * The documented Anthropic `context_management` request body as a zod schema, and a validator the mock
 * uses to answer an invalid request with HTTP 400 as the API would (`validate` option of the mock).
 *
 * The schema is checked at compile time against `@anthropic-ai/sdk`'s beta types (both directions), so
 * a field the SDK knows and the schema does not, or the reverse, fails `tsc`. Rules the types cannot
 * express come from Anthropic's context-management documentation:
 * - `clear_thinking_20251015` must come first among the edits, and only with thinking on;
 * - `compact_20260112` triggers at no fewer than 50,000 input tokens;
 * - `context_management` needs the `context-management-2025-06-27` beta, a compact edit also
 *   `compact-2026-01-12`; unknown fields are rejected.
 * One rule is inferred rather than documented: a `compaction` block in `messages` needs the compact beta.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import type { RecordedRequest, RequestBody } from "./mock-anthropic.ts";

type Sdk = Anthropic.Beta.Messages.BetaContextManagementConfig;

export const BETA_CONTEXT_MANAGEMENT = "context-management-2025-06-27";
export const BETA_COMPACT = "compact-2026-01-12";
export const MIN_COMPACT_TRIGGER = 50_000;

const count = <T extends string>(type: T, min = 0) => z.object({ type: z.literal(type), value: z.number().int().min(min) }).strict();
const InputTokensTrigger = z.object({ type: z.literal("input_tokens"), value: z.number().int().positive() }).strict();

export const ClearToolUsesEdit = z
  .object({
    type: z.literal("clear_tool_uses_20250919"),
    trigger: z.union([InputTokensTrigger, count("tool_uses", 1)]).optional(),
    keep: count("tool_uses").optional(),
    clear_at_least: count("input_tokens").nullish(),
    clear_tool_inputs: z.union([z.boolean(), z.array(z.string())]).nullish(),
    exclude_tools: z.array(z.string()).nullish(),
  })
  .strict();

export const ClearThinkingEdit = z
  .object({
    type: z.literal("clear_thinking_20251015"),
    keep: z.union([count("thinking_turns", 1), z.object({ type: z.literal("all") }).strict(), z.literal("all")]).optional(),
  })
  .strict();

export const CompactEdit = z
  .object({
    type: z.literal("compact_20260112"),
    trigger: z.object({ type: z.literal("input_tokens"), value: z.number().int().min(MIN_COMPACT_TRIGGER) }).strict().nullish(),
    pause_after_compaction: z.boolean().optional(),
    instructions: z.string().nullish(),
  })
  .strict();

export const ContextManagementConfig = z
  .object({ edits: z.array(z.discriminatedUnion("type", [ClearToolUsesEdit, ClearThinkingEdit, CompactEdit])).optional() })
  .strict();
export type ContextManagementConfig = z.infer<typeof ContextManagementConfig>;

// Compile-time agreement with @anthropic-ai/sdk: each side must be assignable to the other.
type Assignable<From, To> = [From] extends [To] ? true : false;
const schemaFitsSdk: Assignable<ContextManagementConfig, Sdk> = true;
const sdkFitsSchema: Assignable<Sdk, ContextManagementConfig> = true;
void schemaFitsSdk;
void sdkFitsSchema;

/** The `anthropic-beta` values of a request (comma-separated header, lowercased names). */
export function betasOf(headers: Record<string, string>): string[] {
  return (headers["anthropic-beta"] ?? "")
    .split(",")
    .map((beta) => beta.trim())
    .filter((beta) => beta.length > 0);
}

function thinkingOn(body: RequestBody): boolean {
  const thinking = body.thinking as { type?: unknown } | undefined;
  return thinking?.type === "enabled" || thinking?.type === "adaptive";
}

function hasCompactionBlock(body: RequestBody): boolean {
  return (body.messages ?? []).some((m) => Array.isArray(m.content) && m.content.some((block) => block.type === "compaction"));
}

/**
 * The API's verdict on a Messages request's context management: an error message (the mock answers 400
 * with it) or undefined when valid. Requests without `context_management` and without compaction blocks
 * are always valid here.
 */
export function validateContextManagement(body: RequestBody, req: Pick<RecordedRequest, "headers">): string | undefined {
  const betas = betasOf(req.headers);
  if (hasCompactionBlock(body) && !betas.includes(BETA_COMPACT)) {
    return `messages: compaction blocks require the anthropic-beta ${BETA_COMPACT}`;
  }
  if (!("context_management" in body)) return undefined;
  if (!betas.includes(BETA_CONTEXT_MANAGEMENT)) {
    return `context_management: Extra inputs are not permitted (requires the anthropic-beta ${BETA_CONTEXT_MANAGEMENT})`;
  }
  const parsed = ContextManagementConfig.safeParse(body.context_management);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `context_management.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`;
  }
  const edits = parsed.data.edits ?? [];
  const thinkingAt = edits.findIndex((edit) => edit.type === "clear_thinking_20251015");
  if (thinkingAt > 0) return "context_management.edits: clear_thinking_20251015 must be the first edit";
  if (thinkingAt === 0 && !thinkingOn(body)) {
    return "context_management.edits.0: clear_thinking_20251015 requires thinking to be enabled";
  }
  if (edits.some((edit) => edit.type === "compact_20260112") && !betas.includes(BETA_COMPACT)) {
    return `context_management.edits: compact_20260112 requires the anthropic-beta ${BETA_COMPACT}`;
  }
  return undefined;
}
