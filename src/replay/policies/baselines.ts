import type { Policy, PolicyDefinition, PolicyRequest, Renders } from "./types.ts";

/**
 * The alternatives Endless is measured against, each as its authors describe it. None of them keeps the
 * facts of what it removes: a cleared output is a placeholder.
 *
 * @module
 */

const NOTHING: Renders = { outputs: new Map() };

export const none: PolicyDefinition = {
  name: "none",
  summary: "every tool output raw",
  create: () => ({ shape: async () => NOTHING }),
};

/** opencode session/compaction.ts: the newest 40k tokens of tool output stay; older ones go when 20k can. */
export const OPENCODE_PRUNE_PROTECT = 40_000;
export const OPENCODE_PRUNE_MINIMUM = 20_000;
export const OPENCODE_PRUNE_PROTECTED_TOOLS: readonly string[] = ["skill"];
export const OPENCODE_PRUNED_PLACEHOLDER = "[Old tool result content cleared]";

/**
 * opencode runs prune when a prompt's loop ends, i.e. between user turns: walking back from the newest
 * call, outside the last two user turns, it protects 40k tokens of output, stops at a call pruned before,
 * and clears the rest only if that frees more than 20k. Cleared calls stay cleared.
 */
function openCodePrune(): Policy {
  const cleared = new Set<string>();
  let lastTurn: number | undefined;
  const prune = (request: PolicyRequest) => {
    const endedTurn = request.turn - 1;
    let total = 0;
    let freed = 0;
    const picked: string[] = [];
    for (let i = request.calls.length - 1; i >= 0; i--) {
      const call = request.calls[i]!;
      if (call.turn >= endedTurn - 1 || call.error) continue;
      if (OPENCODE_PRUNE_PROTECTED_TOOLS.includes(call.tool)) continue;
      if (cleared.has(call.callID)) break;
      total += call.tokens;
      if (total > OPENCODE_PRUNE_PROTECT) {
        freed += call.tokens;
        picked.push(call.callID);
      }
    }
    if (freed > OPENCODE_PRUNE_MINIMUM) picked.forEach((id) => cleared.add(id));
  };
  return {
    async shape(request) {
      if (lastTurn !== undefined && request.turn !== lastTurn) prune(request);
      lastTurn = request.turn;
      const renders = new Map<string, string>();
      for (const call of request.calls) if (cleared.has(call.callID)) renders.set(call.callID, OPENCODE_PRUNED_PLACEHOLDER);
      return { outputs: renders };
    },
  };
}

export const opencodePrune: PolicyDefinition = {
  name: "opencode-prune",
  summary: "opencode prune: protect the newest 40k output tokens, clear older ones when >20k can go",
  create: openCodePrune,
};

/** Anthropic context editing, `clear_tool_uses_20250919` with its defaults. */
export const ANTHROPIC_TRIGGER_TOKENS = 100_000;
export const ANTHROPIC_KEEP_TOOL_USES = 3;
export const ANTHROPIC_PLACEHOLDER = "[tool result cleared]";

/**
 * Server side, per request, on the full history the client sends: once the input exceeds 100k tokens,
 * every tool result but the newest 3 is replaced by a placeholder. Nothing is remembered between requests.
 */
export const anthropicClear: PolicyDefinition = {
  name: "anthropic-clear",
  summary: "Anthropic clear_tool_uses defaults: over 100k input tokens, keep the newest 3 tool results",
  create: () => ({
    async shape(request) {
      if (request.rawTokens <= ANTHROPIC_TRIGGER_TOKENS) return NOTHING;
      const old = request.calls.slice(0, Math.max(0, request.calls.length - ANTHROPIC_KEEP_TOOL_USES));
      return { outputs: new Map(old.map((c) => [c.callID, ANTHROPIC_PLACEHOLDER])) };
    },
  }),
};

export const MASK_KEEP_LAST = 5;

/** SWE-agent's placeholder for a masked observation. */
export const maskPlaceholder = (output: string): string =>
  `Old environment output: (${output === "" ? 0 : output.split("\n").length} lines omitted)`;

/** Observation masking (SWE-agent, "The Complexity Trap"): every output but the newest 5 is masked, always. */
export const maskLast5: PolicyDefinition = {
  name: "mask-last-5",
  summary: "observation masking: every tool output but the newest 5 replaced by a one-line placeholder",
  create: () => {
    const placeholders = new Map<string, string>();
    return {
      async shape(request) {
        const old = request.calls.slice(0, Math.max(0, request.calls.length - MASK_KEEP_LAST));
        const renders = new Map<string, string>();
        for (const call of old) {
          let text = placeholders.get(call.callID);
          if (text === undefined) {
            text = maskPlaceholder(call.output);
            placeholders.set(call.callID, text);
          }
          renders.set(call.callID, text);
        }
        return { outputs: renders };
      },
    };
  },
};
