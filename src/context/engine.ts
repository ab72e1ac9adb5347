import type { PolicyConfig } from "../config/schema.ts";
import { supersededPointer } from "../compress/handle.ts";
import { supersedeKey } from "../compress/index.ts";
import type { ToolCall } from "../compress/types.ts";
import { planBatch } from "./policy.ts";

/** A completed tool call as it stands in the request, with its output's token count. */
export interface CallView extends ToolCall {
  readonly tokens: number;
}

/** Per-session frontier: what each compressed call is sent as, frozen between batches. */
export interface FrontierState {
  readonly batch: number;
  readonly renders: ReadonlyMap<string, string>;
}

/** Where the engine keeps frontier state and observations: SQLite in the plugin, memory in the replay. */
export interface SessionStore {
  load(sessionID: string): Promise<FrontierState>;
  save(sessionID: string, state: FrontierState): Promise<void>;
  /** The observation text for a call (compressed once, then cached by the store). */
  observe(sessionID: string, call: CallView): Promise<string>;
}

export interface ShapeInput {
  readonly sessionID: string;
  /** The completed tool calls visible in the request, oldest first. */
  readonly calls: readonly CallView[];
  /** Calls whose outputs the model has not read yet (new in this request): they go raw at least once. */
  readonly unseen: ReadonlySet<string>;
  readonly config: PolicyConfig;
  readonly store: SessionStore;
}

export interface ShapeResult {
  /** callID -> the text sent instead of the raw output. Calls not in it are sent raw. */
  readonly renders: ReadonlyMap<string, string>;
  readonly batched: boolean;
  readonly batch: number;
}

/** An older copy whose read or command was repeated later collapses to a pointer to the newest copy. */
function newestWithSameKey(calls: readonly CallView[]): Map<string, string> {
  const newestByKey = new Map<string, string>();
  const supersededBy = new Map<string, string>();
  for (let i = calls.length - 1; i >= 0; i--) {
    const call = calls[i]!;
    const key = supersedeKey(call);
    if (key === undefined) continue;
    const newer = newestByKey.get(key);
    if (newer === undefined) newestByKey.set(key, call.callID);
    else supersededBy.set(call.callID, newer);
  }
  return supersededBy;
}

async function renderBatch(input: ShapeInput, compressed: ReadonlySet<string>): Promise<Map<string, string>> {
  const supersededBy = newestWithSameKey(input.calls);
  const renders = new Map<string, string>();
  for (const call of input.calls) {
    if (!compressed.has(call.callID)) continue;
    const newer = supersededBy.get(call.callID);
    const text = newer === undefined ? await input.store.observe(input.sessionID, call) : supersededPointer(call, newer);
    // An observation no smaller than the output (a short output kept whole, plus its handle) buys nothing.
    renders.set(call.callID, text.length < call.output.length ? text : call.output);
  }
  return renders;
}

/**
 * Decides what a request carries in place of each tool output. Renders are frozen between batches; at a
 * batch boundary the frontier moves and every compressed call is rendered anew (observations are cached,
 * so only new calls and newly superseded copies change).
 */
export async function shapeContext(input: ShapeInput): Promise<ShapeResult> {
  const state = await input.store.load(input.sessionID);
  const visible = new Set(input.calls.map((c) => c.callID));
  const alreadyCompressed = new Set([...state.renders.keys()].filter((id) => visible.has(id)));
  const batch = planBatch(input.calls, alreadyCompressed, input.config, input.unseen);
  if (batch.length === 0) {
    const renders = new Map([...state.renders].filter(([id]) => visible.has(id)));
    return { renders, batched: false, batch: state.batch };
  }
  const renders = await renderBatch(input, new Set([...alreadyCompressed, ...batch]));
  const next: FrontierState = { batch: state.batch + 1, renders: new Map([...state.renders, ...renders]) };
  await input.store.save(input.sessionID, next);
  return { renders, batched: true, batch: next.batch };
}
