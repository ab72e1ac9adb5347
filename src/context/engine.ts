import type { PolicyConfig } from "../config/schema.ts";
import { isSupersededPointer, supersededPointer } from "../compress/handle.ts";
import { supersedeKey } from "../compress/index.ts";
import { firstSightView } from "../compress/first-sight.ts";
import { elideInput, type ToolInput } from "../compress/input.ts";
import type { ToolCall } from "../compress/types.ts";
import { type BatchEffect, compressibleParts, type PartInfo, paysBack, planBatch } from "./policy.ts";

/**
 * A completed tool call as it stands in the request, with the token counts the policy weighs it by
 * (`inputTokens`: those of the input's bulky fields, `elidedInputTokens`; absent: never compressed).
 */
export interface CallView extends ToolCall, PartInfo {
  /**
   * Tokens the request carries between the previous call's output and this one's that are not tool outputs
   * (assistant text, user text, tool inputs as sent, this call's included): what a batch rewrites besides
   * outputs. Absent: counted as none.
   */
  readonly gapTokens?: number;
}

/** Per-session frontier: what each compressed call is sent as, frozen between batches. */
export interface FrontierState {
  readonly batch: number;
  /** callID -> the output text sent, for every compressed call (the raw output when it is kept). */
  readonly renders: ReadonlyMap<string, string>;
  /** callID -> the input sent (JSON), for compressed calls whose input has stand-ins; a subset of renders' keys. */
  readonly inputs: ReadonlyMap<string, string>;
}

export const emptyFrontier = (): FrontierState => ({ batch: 0, renders: new Map(), inputs: new Map() });

/** Tokens the policy counts for a call's input: those of the bulky fields a stand-in would replace. */
export function elidedInputTokens(callID: string, input: ToolInput, count: (text: string) => number): number {
  const elided = elideInput(callID, input);
  return elided === undefined ? 0 : elided.fields.reduce((sum, field) => sum + count(field.text), 0);
}

/** Where the engine keeps frontier state and observations: SQLite in the plugin, memory in the replay. */
export interface SessionStore {
  load(sessionID: string): Promise<FrontierState>;
  save(sessionID: string, state: FrontierState): Promise<void>;
  /** The observation text for a call (compressed once, then cached by the store). */
  observe(sessionID: string, call: CallView): Promise<string>;
  /**
   * What `observe` would answer, when the store already holds it in memory (else undefined): a batch late in
   * a long session renders every compressed call again, and an await for each cost more than the render.
   */
  known?(sessionID: string, callID: string): string | undefined;
  /**
   * The fast compressors' observation alone, never an LLM one: deterministic, so what embeds it (a
   * first-sight view) is the same bytes on every request whatever the compression model answers meanwhile.
   */
  fastObservation(sessionID: string, call: CallView): Promise<string>;
}

/**
 * A store's `observe` and `known`: each call's observation is made once per session and call, then answered
 * from memory (observations are fixed per compressor version, so a batch never makes one twice).
 */
export function rememberObservations(make: (sessionID: string, call: CallView) => Promise<string>): Required<Pick<SessionStore, "observe" | "known">> {
  // By session, then by call id: a key joined from both is a new string to hash on every look, and a batch
  // looks up every compressed call.
  const made = new Map<string, Map<string, string>>();
  const madeFor = (sessionID: string) => {
    let calls = made.get(sessionID);
    if (calls === undefined) {
      calls = new Map();
      made.set(sessionID, calls);
    }
    return calls;
  };
  return {
    observe: async (sessionID, call) => {
      const known = made.get(sessionID)?.get(call.callID);
      if (known !== undefined) return known;
      const text = await make(sessionID, call);
      madeFor(sessionID).set(call.callID, text);
      return text;
    },
    known: (sessionID, callID) => made.get(sessionID)?.get(callID),
  };
}

export interface ShapeInput {
  readonly sessionID: string;
  /** The completed tool calls visible in the request, oldest first. */
  readonly calls: readonly CallView[];
  /** Calls whose outputs the model has not read yet (new in this request): they go raw (or as their first-sight view) at least once. */
  readonly unseen: ReadonlySet<string>;
  readonly config: PolicyConfig;
  readonly store: SessionStore;
  /** Model requests in this history so far, this one included (assistant replies plus one): see `paysBack`. */
  readonly requests: number;
}

export interface ShapeResult {
  /** callID -> the text sent instead of the raw output (an observation, a pointer, a first-sight view). Calls not in it are sent raw. */
  readonly renders: ReadonlyMap<string, string>;
  /** callID -> the input sent instead of the raw one, as JSON text. Calls not in it are sent as they are. */
  readonly inputs: ReadonlyMap<string, string>;
  readonly batched: boolean;
  readonly batch: number;
  /** The calls this request's batch compressed for the first time (empty between batches). */
  readonly added: readonly string[];
  /** Why a due batch did not happen (the request then carries the frozen renders unchanged). */
  readonly batchFailed?: string;
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

type Rendered = Pick<FrontierState, "renders" | "inputs">;

/**
 * What every compressed call is sent as. Its output: the observation (or a pointer to a newer copy) when the
 * output is compressible, else the raw output. Its input: stand-ins for the bulky fields when the input is
 * compressible. `observe` runs for every call that is not a superseded copy, so a call compressed for its
 * input alone is archived too and its recall handle works.
 */
async function renderBatch(
  input: ShapeInput,
  compressed: ReadonlySet<string>,
  firstSight: ReadonlyMap<string, string>,
  frozen: ReadonlyMap<string, string>,
): Promise<Rendered> {
  const supersededBy = newestWithSameKey(input.calls);
  // A copy already sent as a pointer stays as it is when a third copy comes: the newer copy it names is
  // still newer, and re-pointing it would rewrite the cache from that copy on.
  const pointer = (call: CallView, newer: string): string => {
    const sent = frozen.get(call.callID);
    return sent !== undefined && isSupersededPointer(sent) ? sent : supersededPointer(call, newer);
  };
  const renders = new Map<string, string>();
  const inputs = new Map<string, string>();
  for (const call of input.calls) {
    if (!compressed.has(call.callID)) continue;
    const parts = compressibleParts(call, input.config);
    const newer = parts.output ? supersededBy.get(call.callID) : undefined;
    const observation = newer === undefined ? (input.store.known?.(input.sessionID, call.callID) ?? (await input.store.observe(input.sessionID, call))) : pointer(call, newer);
    const text = parts.output ? observation : call.output;
    // An observation no smaller than what the call was sent as (the output, or its first-sight view) buys nothing.
    const before = firstSight.get(call.callID) ?? call.output;
    renders.set(call.callID, text.length < before.length ? text : before);
    const elided = parts.input ? elideInput(call.callID, call.input) : undefined;
    if (elided !== undefined) inputs.set(call.callID, JSON.stringify(elided.input));
  }
  return { renders, inputs };
}

/**
 * What each raw call longer than `firstSightChars` is sent as instead of its whole output (its first-sight
 * view, see `firstSightView`); compressed calls are not in it. Derived from the output alone, so every
 * request sends the same bytes for the call until a batch compresses it, and nothing needs persisting.
 */
async function firstSightViews(input: ShapeInput, compressed: ReadonlySet<string>): Promise<Map<string, string>> {
  const views = new Map<string, string>();
  const cap = input.config.firstSightChars;
  if (cap === 0) return views;
  for (const call of input.calls) {
    if (call.output.length <= cap || compressed.has(call.callID) || !compressibleParts(call, input.config).output) continue;
    const view = firstSightView(call, await input.store.fastObservation(input.sessionID, call), cap);
    if (view !== undefined && view.length < call.output.length) views.set(call.callID, view);
  }
  return views;
}

/** Tokens of `text` sent in place of the call's output, at the raw output's tokens per character. */
function outputTokensAs(call: CallView, text: string): number {
  return call.output.length === 0 ? 0 : (call.tokens * text.length) / call.output.length;
}

/** The call weighed by what it is sent as while raw: its first-sight view's share of its output's tokens. */
function asSent(call: CallView, view: string | undefined): CallView {
  return view === undefined ? call : { ...call, tokens: outputTokensAs(call, view) };
}

/**
 * Tokens of a call as sent with this output text and input JSON (absent: the raw input). A render's tokens are
 * estimated from its length at the raw output's tokens per character: no tokenizing in the request path.
 */
function sentTokens(call: CallView, output: string, input: string | undefined): number {
  const out = outputTokensAs(call, output);
  const bulky = call.inputTokens ?? 0;
  return out + (input === undefined || bulky === 0 ? bulky : (bulky * input.length) / Math.max(1, JSON.stringify(call.input).length));
}

/** What moving the frontier from `before` to `after` frees, and what it makes the cache write again. */
function batchEffect(input: ShapeInput, before: Rendered, after: Rendered): BatchEffect {
  let freed = 0;
  let rewritten = 0;
  let changedYet = false;
  for (const call of input.calls) {
    const was = sentTokens(call, before.renders.get(call.callID) ?? call.output, before.inputs.get(call.callID));
    const now = sentTokens(call, after.renders.get(call.callID) ?? call.output, after.inputs.get(call.callID));
    freed += was - now;
    // The cache keeps everything before the first changed call; from there on, what the previous request
    // carried is written again (calls new in this request are written either way).
    const gap = changedYet ? (call.gapTokens ?? 0) : 0;
    changedYet ||= was !== now;
    if (changedYet && !input.unseen.has(call.callID)) rewritten += gap + was;
  }
  return { freed, rewritten, requests: input.requests };
}

/** `base` with `over` set on top, in `base`'s order and then `over`'s new keys: a copy, not two spreads into arrays. */
function overlay(base: ReadonlyMap<string, string>, over: ReadonlyMap<string, string>): Map<string, string> {
  const merged = new Map(base);
  for (const [id, text] of over) merged.set(id, text);
  return merged;
}

function onlyVisible(map: ReadonlyMap<string, string>, visible: ReadonlySet<string>): Map<string, string> {
  const kept = new Map<string, string>();
  for (const [id, value] of map) if (visible.has(id)) kept.set(id, value);
  return kept;
}

/**
 * The frontier's renders and inputs of the calls in the request. When every compressed call is in it (no
 * compaction dropped any), that is the whole frontier, which is answered as it is instead of copied.
 */
function visibleFrontier(state: FrontierState, visible: ReadonlySet<string>, visibleCompressed: number): Rendered {
  // Inputs are kept only for compressed calls: with every render visible, every input is too.
  if (visibleCompressed === state.renders.size) return { renders: state.renders, inputs: state.inputs };
  return { renders: onlyVisible(state.renders, visible), inputs: onlyVisible(state.inputs, visible) };
}

/**
 * Decides what a request carries in place of each tool output and each bulky tool input. Renders are frozen
 * between batches; at a batch boundary the frontier moves and every compressed call is rendered anew
 * (observations are cached and stand-ins are pure, so only new calls and newly superseded copies change).
 */
export async function shapeContext(input: ShapeInput): Promise<ShapeResult> {
  const state = await input.store.load(input.sessionID);
  const visible = new Set(input.calls.map((c) => c.callID));
  const alreadyCompressed = new Set<string>();
  for (const id of state.renders.keys()) if (visible.has(id)) alreadyCompressed.add(id);
  const firstSight = await firstSightViews(input, alreadyCompressed);
  const weighed = firstSight.size === 0 ? input.calls : input.calls.map((c) => asSent(c, firstSight.get(c.callID)));
  const batch = planBatch(weighed, alreadyCompressed, input.config, input.unseen);
  const shown = visibleFrontier(state, visible, alreadyCompressed.size);
  const frozenRenders = firstSight.size === 0 ? shown.renders : overlay(shown.renders, firstSight);
  const frozen = { renders: frozenRenders, inputs: shown.inputs, batched: false, batch: state.batch, added: [] };
  if (batch.length === 0) return frozen;
  try {
    const made = await renderBatch(input, new Set([...alreadyCompressed, ...batch]), firstSight, frozenRenders);
    const { inputs } = made;
    const renders = firstSight.size === 0 ? made.renders : overlay(firstSight, made.renders);
    // A batch that cannot pay back its cache rewrite waits; the frontier stays where the cache has it.
    if (!paysBack(batchEffect(input, frozen, { renders, inputs }))) return frozen;
    // A call re-rendered without stand-ins (compressInputs turned off) must not keep its old ones.
    const keptInputs = new Map<string, string>();
    for (const [id, json] of state.inputs) if (!made.renders.has(id)) keptInputs.set(id, json);
    const next: FrontierState = { batch: state.batch + 1, renders: overlay(state.renders, made.renders), inputs: overlay(keptInputs, inputs) };
    await input.store.save(input.sessionID, next);
    return { renders, inputs, batched: true, batch: next.batch, added: batch };
  } catch (error) {
    // A batch that cannot be made waits for the next request; this one keeps what the cache already holds.
    return { ...frozen, batchFailed: error instanceof Error ? error.message : String(error) };
  }
}
