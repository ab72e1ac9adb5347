/**
 * @module
 * The `chat.params` hook that adds Anthropic `context_management` to LLM calls. opencode passes
 * `output.options` to the AI SDK as `providerOptions.anthropic` for `@ai-sdk/anthropic` models, and
 * @ai-sdk/anthropic 3.0.111 turns a flat `contextManagement: {edits}` into the request's
 * `context_management` and adds the `anthropic-beta` values itself (`context-management-2025-06-27`,
 * plus `compact-2026-01-12` with a compact edit): no `chat.headers` hook is needed.
 */
import type { Hooks } from "@opencode-ai/plugin";
import {
  type CallFacts,
  type CompressionPolicy,
  type Decision,
  DEFAULT_COMPRESSION_POLICY,
  decideContextManagement,
} from "../anthropic/context-management.ts";
import type { ContextManagementOptions } from "../config/context-management.ts";
import type { ModelLimit } from "../tokens/window.ts";
import { guard } from "./guard.ts";

export type ChatParamsHook = NonNullable<Hooks["chat.params"]>;
type ChatParamsInput = Parameters<ChatParamsHook>[0];
type ChatParamsOutput = Parameters<ChatParamsHook>[1];

/** A call's model, as opencode's runtime objects may carry it: wider than its types, any field missing. */
type CallModel = Partial<ChatParamsInput["model"]> & { limit?: Partial<ModelLimit> };

/** The model's limits when it states its context window, else undefined. */
function limitOf(model: CallModel): ModelLimit | undefined {
  const limit = model.limit;
  return limit && typeof limit.context === "number"
    ? { context: limit.context, output: limit.output ?? 0, ...(typeof limit.input === "number" ? { input: limit.input } : {}) }
    : undefined;
}

/** The facts of one call, read defensively: opencode's runtime objects are wider than its types. */
export function callFactsOf(input: ChatParamsInput, output: ChatParamsOutput): CallFacts {
  const model = input.model as CallModel;
  return {
    agent: input.agent,
    providerID: model.providerID ?? "",
    modelID: model.id ?? "",
    npm: model.api?.npm,
    limit: limitOf(model),
    callOptions: output.options ?? {},
  };
}

/** opencode's own tool-less agents: their model (often the small one) is not the session's. */
const SIDE_AGENTS = new Set(["title", "summary", "compaction"]);
export const isSideAgent = (agent: string): boolean => SIDE_AGENTS.has(agent);

/** The session's own model ("provider/id") and its limits, as one call of a main agent tells them. */
export interface LearnedWindow {
  readonly model: string;
  readonly limit: ModelLimit | undefined;
}

/** What a call tells of the session's window: undefined for a side agent's call, or a call without a model. */
export function learnedWindowOf(input: ChatParamsInput): LearnedWindow | undefined {
  const model = input.model as CallModel | undefined;
  if (model === undefined || isSideAgent(input.agent)) return undefined;
  return { model: `${model.providerID}/${model.id}`, limit: limitOf(model) };
}

/**
 * Builds the hook body. Every decision is computed before `output` is touched and the result is set in
 * one assignment, so an error anywhere leaves `output` as opencode built it (logged, never thrown).
 * Each distinct decision is logged once per provider/model/agent, not on every step.
 */
export function createChatParamsHook(
  options: ContextManagementOptions,
  log: (msg: string) => void,
  policy: CompressionPolicy = DEFAULT_COMPRESSION_POLICY,
): ChatParamsHook {
  const logged = new Set<string>();
  const safeLog = (message: string) => {
    try {
      log(message);
    } catch {
      // A failing logger must not break the turn.
    }
  };
  const logOnce = (key: string, message: string) => {
    if (logged.has(key)) return;
    logged.add(key);
    safeLog(message);
  };
  const body: ChatParamsHook = async (input, output) => {
    const facts = callFactsOf(input, output);
    const decision: Decision = decideContextManagement(options, facts, policy);
    const who = `${facts.providerID}/${facts.modelID} (agent ${facts.agent})`;
    if (decision.kind === "skip") {
      logOnce(`skip|${who}|${decision.reason}`, `context management: none for ${who}: ${decision.reason}`);
      return;
    }
    const value = decision.contextManagement;
    output.options.contextManagement = value;
    const summary = value.edits.map((edit) => edit.type).join(", ");
    logOnce(`set|${who}|${JSON.stringify(value)}`, `context management: ${summary} for ${who}: ${JSON.stringify(value)}`);
    for (const note of decision.notes) logOnce(`note|${who}|${note}`, `context management: ${who}: ${note}`);
  };
  return guard(
    "chat.params",
    (_level, message) => log(message),
    body,
    (error) => `context management: chat.params failed, request left unchanged: ${error instanceof Error ? error.message : String(error)}`,
  );
}
