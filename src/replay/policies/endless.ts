import { type CallView, elidedInputTokens, shapeContext } from "../../context/engine.ts";
import { createMemoryStore } from "../../context/memory-store.ts";
import { countTokens } from "../../tokens/count.ts";
import type { ReplayCall } from "../requests.ts";
import type { PolicyDefinition } from "./types.ts";

/**
 * Endless as the plugin runs it: the same `shapeContext` (batching policy, supersede pointers, input
 * stand-ins) and the same compressors, with an in-memory store in place of the SQLite one. Failed calls are
 * left out of what the engine sees, as the plugin's transform only gets completed tool parts. Each call's
 * input segment is sent as the engine renders it, as the plugin sets `state.input`.
 */
export const endless: PolicyDefinition = {
  name: "endless",
  summary: "this project: deterministic observations, frontier moved in batches, originals recallable",
  create: ({ config, llm }) => {
    // LLM observations from a cache stand in from a call's first batch on, as if the model had answered by
    // then: the savings are an upper bound, and no swap rewrites the cache.
    const store = createMemoryStore(llm && ((call) => llm.lookup(call)));
    const views = new WeakMap<ReplayCall, CallView>();
    const view = (call: ReplayCall): CallView => {
      let v = views.get(call);
      if (v === undefined) {
        const inputTokens = config.compressInputs ? elidedInputTokens(call.callID, call.input, countTokens) : 0;
        v = { callID: call.callID, tool: call.tool, input: call.input, output: call.output, tokens: call.tokens, inputTokens, gapTokens: call.gapTokens };
        views.set(call, v);
      }
      return v;
    };
    // The plugin knows from the messages which outputs the model has not read yet; the replay knows it as
    // the calls that the session's previous request did not carry.
    const carried = new Map<string, ReadonlySet<string>>();
    return {
      async shape(request) {
        const calls = request.calls.filter((c) => !c.error).map(view);
        const before = carried.get(request.sessionID) ?? new Set<string>();
        carried.set(request.sessionID, new Set(calls.map((c) => c.callID)));
        const unseen = new Set(calls.filter((c) => !before.has(c.callID)).map((c) => c.callID));
        const shaped = await shapeContext({ sessionID: request.sessionID, calls, unseen, config, store, requests: request.requests });
        return { outputs: shaped.renders, inputs: shaped.inputs };
      },
    };
  },
};
