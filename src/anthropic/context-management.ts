/**
 * @module
 * Pure decisions for provider-native context management: which Anthropic `context_management` edits a
 * given LLM call gets, from the plugin options, the model (provider, npm package, `limit`), the agent,
 * whether thinking is on, and the plugin's own compression policy. No I/O; `chat-params.ts` applies them.
 *
 * Edits are produced in the shape `@ai-sdk/anthropic` 3.0.111 accepts as `providerOptions.anthropic.
 * contextManagement` (camelCase keys, token counts as `{type, value}` objects); the SDK maps them to
 * the API's snake_case `context_management` and adds the beta headers itself (test/provider/wire.ts
 * mirrors that mapping for the tests).
 */
import { MIN_COMPACT_TRIGGER, type ContextManagementOptions, type ContextManagementOverride, type ContextManagementSettings } from "../config/context-management.ts";
import { defaultPolicyConfig, type PolicyConfig, RECALL_TOOL } from "../config/schema.ts";
import { type ModelLimit, usableInputTokens } from "../tokens/window.ts";

/** npm packages whose models speak the Anthropic Messages API through `@ai-sdk/anthropic`'s model class. */
const ANTHROPIC_SDK_PACKAGES: readonly string[] = ["@ai-sdk/anthropic", "@ai-sdk/google-vertex/anthropic"];

/** Tools the server must never clear, whatever the configuration: a recall answers an explicit request. */
const ALWAYS_EXCLUDED_TOOLS: readonly string[] = [RECALL_TOOL];


// ---------------------------------------------------------------------------------------------------
// Edit types, as @ai-sdk/anthropic takes them (camelCase)

export interface InputTokens {
  type: "input_tokens";
  value: number;
}
export interface ToolUses {
  type: "tool_uses";
  value: number;
}
export interface ClearThinkingEdit {
  type: "clear_thinking_20251015";
  keep?: "all" | { type: "thinking_turns"; value: number };
}
export interface ClearToolUsesEdit {
  type: "clear_tool_uses_20250919";
  trigger?: InputTokens | ToolUses;
  keep?: ToolUses;
  clearAtLeast?: InputTokens;
  clearToolInputs?: boolean;
  excludeTools?: string[];
}
export interface CompactEdit {
  type: "compact_20260112";
  trigger?: InputTokens;
  pauseAfterCompaction?: boolean;
  instructions?: string;
}
export type ContextManagementEdit = ClearThinkingEdit | ClearToolUsesEdit | CompactEdit;

/** What the hook sets as `output.options.contextManagement`. */
interface ProviderContextManagement {
  edits: ContextManagementEdit[];
}

// ---------------------------------------------------------------------------------------------------
// Inputs

/**
 * The part of the plugin's own compression policy that server-side clearing must not undo: its newest
 * raw outputs (`keepLast`) and the tools it never compresses (`excludeTools`, or `tools.<name>.compress`).
 */
export type CompressionPolicy = Pick<PolicyConfig, "keepLast" | "excludeTools"> & Partial<Pick<PolicyConfig, "tools">>;

/** The plugin's own defaults, from the one option schema. */
export const DEFAULT_COMPRESSION_POLICY: CompressionPolicy = defaultPolicyConfig();

/** One LLM call, as far as the decision needs it (all from `chat.params`' input and output). */
export interface CallFacts {
  agent: string;
  providerID: string;
  modelID: string;
  /** `model.api.npm`: which AI SDK package serves the model. */
  npm: string | undefined;
  limit: ModelLimit | undefined;
  /** `output.options` as opencode built them (model, agent and variant options merged). */
  callOptions: Readonly<Record<string, unknown>>;
}

export type Decision =
  | { kind: "skip"; reason: string }
  | { kind: "set"; contextManagement: ProviderContextManagement; notes: string[] };

// ---------------------------------------------------------------------------------------------------
// Rules

/** True for models whose requests `@ai-sdk/anthropic` builds (Anthropic, custom providers on it, Vertex). */
export function servedByAnthropicSdk(npm: string | undefined): boolean {
  return npm !== undefined && ANTHROPIC_SDK_PACKAGES.includes(npm);
}

/** Provider ids are matched by substring, as opencode itself matches "github-copilot" variants. */
export function isSkippedProvider(providerID: string, skipProviders: readonly string[]): boolean {
  return skipProviders.some((skipped) => providerID.includes(skipped));
}

function isSkippedAgent(agent: string, skipAgents: readonly string[]): boolean {
  return skipAgents.includes(agent);
}

/** Thinking is on when the call options ask @ai-sdk/anthropic for it (`thinking.type` enabled or adaptive). */
export function thinkingEnabled(callOptions: Readonly<Record<string, unknown>>): boolean {
  const thinking = callOptions.thinking;
  if (typeof thinking !== "object" || thinking === null) return false;
  const type = (thinking as { type?: unknown }).type;
  return type === "enabled" || type === "adaptive";
}

/**
 * Override keys that apply to a model, least specific first: "provider/*", "model", "provider/model".
 * A model id may itself contain "/" (e.g. Vertex or gateway ids); keys are compared whole.
 */
export function overrideKeys(providerID: string, modelID: string): string[] {
  return [`${providerID}/*`, modelID, `${providerID}/${modelID}`];
}

/** The default block with every matching override merged over it, field by field. */
export function resolveSettings(options: ContextManagementOptions, providerID: string, modelID: string): ContextManagementSettings {
  let settings = options.default;
  for (const key of overrideKeys(providerID, modelID)) {
    const override = options.models[key];
    if (override) settings = mergeOverride(settings, override);
  }
  return settings;
}

function mergeOverride(base: ContextManagementSettings, override: ContextManagementOverride): ContextManagementSettings {
  return {
    enabled: override.enabled ?? base.enabled,
    clearThinking: { ...base.clearThinking, ...defined(override.clearThinking) },
    clearToolUses: { ...base.clearToolUses, ...defined(override.clearToolUses) },
    compact: { ...base.compact, ...defined(override.compact) },
  };
}

/** Drops keys whose value is undefined, so `{...base, ...override}` keeps base values for them. */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Server `exclude_tools`: recall, then the plugin's never-compressed tools, then the configured extras. */
export function serverExcludedTools(extra: readonly string[], policy: CompressionPolicy): string[] {
  const neverCompressed = Object.entries(policy.tools ?? {}).flatMap(([tool, o]) => (o.compress === false ? [tool] : []));
  return [...new Set([...ALWAYS_EXCLUDED_TOOLS, ...policy.excludeTools, ...neverCompressed, ...extra])];
}

/** Server `keep`: never below the plugin's keepLast, so the server cannot clear what the plugin keeps raw. */
export function serverKeep(configured: number, policy: CompressionPolicy): number {
  return Math.max(configured, policy.keepLast);
}

/** clear_thinking_20251015, or undefined when thinking is off (the API rejects it then) or it is disabled. */
function clearThinkingEdit(settings: ContextManagementSettings, thinking: boolean): ClearThinkingEdit | undefined {
  if (!thinking || !settings.clearThinking.enabled) return undefined;
  const keep = settings.clearThinking.keep;
  return { type: "clear_thinking_20251015", keep: keep === "all" ? "all" : { type: "thinking_turns", value: keep } };
}

/**
 * clear_tool_uses_20250919 as a safety net: trigger near the window limit (below opencode's own overflow
 * so the server clears before opencode summarises), `clear_at_least` large enough to pay for the cache
 * rewrite a clearing causes, `keep` >= the plugin's keepLast, `exclude_tools` >= recall + the plugin's
 * excluded tools, tool inputs kept. Without a known window and no absolute trigger, no edit.
 */
export function clearToolUsesEdit(
  settings: ContextManagementSettings,
  usable: number | undefined,
  policy: CompressionPolicy,
  notes: string[],
): ClearToolUsesEdit | undefined {
  const c = settings.clearToolUses;
  if (!c.enabled) return undefined;
  let trigger: InputTokens | ToolUses | undefined;
  if (typeof c.trigger === "object") trigger = { type: "tool_uses", value: c.trigger.toolUses };
  else if (typeof c.trigger === "number") trigger = { type: "input_tokens", value: c.trigger };
  else if (usable !== undefined) trigger = { type: "input_tokens", value: Math.floor(usable * c.triggerRatio) };
  if (!trigger) {
    notes.push("clear_tool_uses skipped: the model's window (limit.context) is unknown and no trigger is configured");
    return undefined;
  }
  let clearAtLeast = c.clearAtLeast ?? (usable !== undefined ? Math.floor(usable * c.clearAtLeastRatio) : undefined);
  if (clearAtLeast !== undefined && trigger.type === "input_tokens" && clearAtLeast >= trigger.value) {
    const capped = Math.floor(trigger.value / 2);
    notes.push(`clear_at_least ${clearAtLeast} is not below the trigger ${trigger.value}: capped at ${capped}`);
    clearAtLeast = capped;
  }
  return {
    type: "clear_tool_uses_20250919",
    trigger,
    keep: { type: "tool_uses", value: serverKeep(c.keep, policy) },
    ...(clearAtLeast !== undefined && clearAtLeast > 0 ? { clearAtLeast: { type: "input_tokens" as const, value: clearAtLeast } } : {}),
    clearToolInputs: c.clearToolInputs,
    excludeTools: serverExcludedTools(c.excludeTools, policy),
  };
}

/**
 * compact_20260112 (off by default): trigger above the clearing trigger so clearing comes first, and
 * at least the API's minimum. A window too small for that minimum gets no compaction.
 */
export function compactEdit(settings: ContextManagementSettings, usable: number | undefined, notes: string[]): CompactEdit | undefined {
  const c = settings.compact;
  if (!c.enabled) return undefined;
  let trigger = c.trigger;
  if (trigger === undefined && usable !== undefined) {
    if (usable <= MIN_COMPACT_TRIGGER) {
      notes.push(`compact skipped: the usable window ${usable} is not above the API's minimum trigger ${MIN_COMPACT_TRIGGER}`);
      return undefined;
    }
    trigger = Math.max(MIN_COMPACT_TRIGGER, Math.floor(usable * c.triggerRatio));
  }
  notes.push(
    "compact_20260112 on: opencode 1.18.33 sends the compaction summary back, but @ai-sdk/anthropic 3.0.111 drops the block's encrypted_content (see the README)",
  );
  return {
    type: "compact_20260112",
    ...(trigger !== undefined ? { trigger: { type: "input_tokens" as const, value: trigger } } : {}),
    pauseAfterCompaction: c.pauseAfterCompaction,
    ...(c.instructions !== undefined ? { instructions: c.instructions } : {}),
  };
}

/** Edits for one model and call; clear_thinking first, as the API requires. */
export function planEdits(
  settings: ContextManagementSettings,
  facts: { limit: ModelLimit | undefined; thinking: boolean },
  policy: CompressionPolicy,
): { edits: ContextManagementEdit[]; notes: string[] } {
  const notes: string[] = [];
  const usable = usableInputTokens(facts.limit);
  const edits = [
    clearThinkingEdit(settings, facts.thinking),
    clearToolUsesEdit(settings, usable, policy, notes),
    compactEdit(settings, usable, notes),
  ].filter((edit): edit is ContextManagementEdit => edit !== undefined);
  return { edits, notes };
}

/** The whole decision for one `chat.params` call. */
export function decideContextManagement(
  options: ContextManagementOptions,
  call: CallFacts,
  policy: CompressionPolicy = DEFAULT_COMPRESSION_POLICY,
): Decision {
  if (!options.enabled) return { kind: "skip", reason: "contextManagement.enabled is false" };
  if (!servedByAnthropicSdk(call.npm)) return { kind: "skip", reason: `not served by @ai-sdk/anthropic (${call.npm ?? "unknown package"})` };
  if (isSkippedProvider(call.providerID, options.skipProviders)) return { kind: "skip", reason: `provider ${call.providerID} is in skipProviders` };
  if (isSkippedAgent(call.agent, options.skipAgents)) return { kind: "skip", reason: `agent ${call.agent} is in skipAgents` };
  if (call.callOptions.contextManagement !== undefined) {
    return { kind: "skip", reason: "contextManagement already set by opencode's config (model/agent options); left as is" };
  }
  const settings = resolveSettings(options, call.providerID, call.modelID);
  if (!settings.enabled) return { kind: "skip", reason: `disabled for ${call.providerID}/${call.modelID}` };
  const { edits, notes } = planEdits(settings, { limit: call.limit, thinking: thinkingEnabled(call.callOptions) }, policy);
  if (edits.length === 0) return { kind: "skip", reason: ["no edit applies", ...notes].join("; ") };
  return { kind: "set", contextManagement: { edits }, notes };
}
