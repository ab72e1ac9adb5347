import { commonPrefixTokens, type RequestCost, type SentSegment } from "./cache-model.ts";
import type { FoldOptions } from "../config/schema.ts";
import type { Reference } from "./facts.ts";
import { toolFamily } from "../compress/index.ts";
import { addFamily, type FamilyTotals, NO_CALLS } from "./metrics.ts";
import { createReplayFolder } from "./fold.ts";
import type { Policy } from "./policies/index.ts";
import { inputText, type ReplayPlan, type ReplayRequest, type Segment, type TokenCache } from "./requests.ts";

/** One policy over one session: each request's tokens and cache read, fact retention, compute time. */
export interface PolicyReplay {
  readonly requests: readonly RequestCost[];
  readonly references: number;
  /** References whose fact was still in the request (raw or in an observation) when the agent used it. */
  readonly retained: number;
  /** Time spent inside the policy (shaping requests, compressing), in milliseconds. */
  readonly ms: number;
  /** Per tool family: its calls, and the outputs the policy replaced (as last sent) against their raw tokens. */
  readonly families: Readonly<Record<string, FamilyTotals>>;
}

/** Was the fact in what this request carried: user text, a visible output as sent, or the fold's digest? */
function isRetained(ref: Reference, request: ReplayRequest, renders: ReadonlyMap<string, string>, folded: ReadonlySet<string>, digest: string): boolean {
  if (ref.inUserText || (digest !== "" && digest.includes(ref.fact))) return true;
  const visible = new Set(request.calls.filter((c) => !folded.has(c.callID)).map((c) => c.callID));
  return ref.holders.some((id) => {
    if (!visible.has(id)) return false;
    const render = renders.get(id);
    return render === undefined || render.includes(ref.fact);
  });
}

const NO_INPUTS: ReadonlyMap<string, string> = new Map();

/** Rendered inputs and outputs get their own segment keys: equal text, equal key, so unchanged renders keep the cache. */
class RenderKeys {
  private readonly ids = new Map<string, { id: number; tokens: number }>();

  constructor(private readonly tokens: TokenCache) {}

  of(text: string): { id: number; tokens: number } {
    let entry = this.ids.get(text);
    if (entry === undefined) {
      entry = { id: this.ids.size, tokens: this.tokens.count(text) };
      this.ids.set(text, entry);
    }
    return entry;
  }
}

/** The text a segment carries when nothing replaces it (for a call's input or output). */
function rawText(segment: Segment): string | undefined {
  if (segment.call === undefined) return undefined;
  return segment.kind === "output" ? segment.call.output : segment.kind === "input" ? inputText(segment.call) : undefined;
}

export async function replayPolicy(input: {
  readonly plan: ReplayPlan;
  readonly references: readonly Reference[];
  readonly policy: Policy;
  readonly tokens: TokenCache;
  /** Fold as the plugin does, for a model with this usable window (Endless only). */
  readonly fold?: { readonly usable: number; readonly options: FoldOptions };
}): Promise<PolicyReplay> {
  const { plan, policy } = input;
  const folder = input.fold === undefined ? undefined : createReplayFolder(input.fold.usable, input.fold.options, input.tokens);
  const none: ReadonlySet<string> = new Set();
  const byStep = Map.groupBy(input.references, (r) => r.useStep);
  const keys = new RenderKeys(input.tokens);
  const requests: RequestCost[] = [];
  let previous: SentSegment[] = [];
  /** callID -> tokens of what its output was last sent as, for outputs the policy replaced. */
  const replaced = new Map<string, number>();
  let retained = 0;
  let ms = 0;
  for (const request of plan.requests) {
    const started = performance.now();
    const { outputs: renders, inputs = NO_INPUTS } = await policy.shape({
      sessionID: plan.session.id,
      turn: request.turn,
      requests: request.requests,
      rawTokens: request.rawTokens,
      // As the plugin does: what the fold takes out is not shaped (the fold moves after shaping).
      calls: folder?.shown(request) ?? request.calls,
    });
    ms += performance.now() - started;
    let sent: SentSegment[] = [];
    const outputTokens: [string, number][] = [];
    for (let i = 0; i < request.length; i++) {
      const segment = request.segments[i]!;
      const rendered = segment.kind === "input" ? inputs : segment.kind === "output" ? renders : undefined;
      const render = segment.call === undefined ? undefined : rendered?.get(segment.call.callID);
      // A render identical to what it replaces is the same bytes on the wire: the same segment, no cache break.
      const unchanged = render === undefined || render === rawText(segment);
      const piece = unchanged ? segment : (({ id, tokens }) => ({ key: `${segment.key}#${id}`, tokens }))(keys.of(render));
      sent.push({ key: piece.key, tokens: piece.tokens });
      if (segment.kind === "output" && segment.call) {
        outputTokens.push([segment.call.callID, piece.tokens]);
        if (!unchanged) replaced.set(segment.call.callID, piece.tokens);
      }
    }
    const foldStarted = performance.now();
    const folded = (await folder?.fold(request, sent)) ?? { sent, folded: none, digest: "" };
    ms += performance.now() - foldStarted;
    sent = [...folded.sent];
    const tokens = sent.reduce((n, s) => n + s.tokens, 0);
    let toolOutput = 0;
    // Several calls may share an id (replayed SWE-agent demos): each output segment counts.
    for (const [id, n] of outputTokens) if (!folded.folded.has(id)) toolOutput += n;
    requests.push({ tokens, cached: commonPrefixTokens(previous, sent), toolOutput });
    for (const ref of byStep.get(request.step) ?? []) if (isRetained(ref, request, renders, folded.folded, folded.digest)) retained++;
    previous = sent;
  }
  return { requests, references: input.references.length, retained, ms, families: familyTotals(plan, replaced) };
}

/** Calls per tool family, and of them those whose output was replaced: raw tokens against tokens sent. */
function familyTotals(plan: ReplayPlan, replaced: ReadonlyMap<string, number>): Record<string, FamilyTotals> {
  const families: Record<string, FamilyTotals> = {};
  for (const call of plan.calls) {
    const family = toolFamily(call.tool);
    const sent = replaced.get(call.callID);
    const one = sent === undefined ? { ...NO_CALLS, calls: 1, rawTokens: call.tokens } : { calls: 1, rawTokens: call.tokens, compressed: 1, compressedRawTokens: call.tokens, sentTokens: sent };
    families[family] = addFamily(families[family] ?? NO_CALLS, one);
  }
  return families;
}
