import { recallHandle } from "../compress/handle.ts";
import { compress } from "../compress/index.ts";
import type { FoldOptions } from "../config/schema.ts";
import { applyFold, type FoldState, type FoldUnit, fitToRoom, foldedIndex, foldMarks, planFold } from "../context/fold.ts";
import { renderDigest } from "../ledger/digest.ts";
import { recordCall, recordRequest } from "../ledger/extract.ts";
import { emptyLedger } from "../ledger/schema.ts";
import type { SentSegment } from "./cache-model.ts";
import { type ReplayCall, type ReplayRequest, SYSTEM_MESSAGE, type TokenCache } from "./requests.ts";

/** A request after folding: what is sent, which calls are no longer in it, the digest that stands for them. */
export interface FoldedRequest {
  readonly sent: readonly SentSegment[];
  readonly folded: ReadonlySet<string>;
  readonly digest: string;
}

interface Unit extends FoldUnit {
  readonly segments: readonly SentSegment[];
  readonly calls: readonly string[];
}

/**
 * Endless's folding in the replay, with the plugin's pure decisions (`planFold`, `applyFold`, `foldMarks`)
 * and its ledger and digest: a request's messages are its segments grouped by message (the system text
 * and the first message are always sent), weighed as the policy rendered them. Recorded sessions carry
 * no usage, so the system text is the only overhead counted. A new output that would push the request past
 * the ceiling is sent as its observation (cut to fit), from then on, as the plugin freezes it.
 */
export function createReplayFolder(usable: number, options: FoldOptions, tokens: TokenCache) {
  const ledger = emptyLedger();
  const recorded = new Set<string>();
  let state: FoldState | undefined;
  /** Outputs clamped under the ceiling, by call id: what they are sent as from then on. */
  const clamped = new Map<string, SentSegment>();
  const ratios = { high: options.highRatio, low: options.lowRatio, digest: options.digestRatio, digestMax: options.digestMaxTokens };

  /** Sends the newest step's largest outputs as observations while the request is past the ceiling. */
  async function clampNewest(kept: Unit[], segments: ReplayRequest["segments"], sent: readonly SentSegment[], ceiling: number): Promise<void> {
    let estimate = kept.reduce((n, u) => n + u.tokens, 0);
    const newest = kept.at(-1);
    if (estimate <= ceiling || newest === undefined) return;
    const outputs = segments
      .map((segment, i) => ({ segment, sent: sent[i]! }))
      .filter(({ segment }) => segment.kind === "output" && segment.message === newest.id && segment.call && !clamped.has(segment.call.callID))
      .sort((a, b) => b.sent.tokens - a.sent.tokens);
    let replaced = [...newest.segments];
    for (const { segment, sent: before } of outputs) {
      if (estimate <= ceiling) break;
      const call = segment.call!;
      const handle = recallHandle(call.callID, call.output, { lines: 0 });
      const text = fitToRoom((await compress(call)).text, ceiling - (estimate - before.tokens), (t) => tokens.count(t), handle);
      const piece = { key: `clamp:${call.callID}:${text.length}`, tokens: tokens.count(text) };
      if (piece.tokens >= before.tokens) continue;
      clamped.set(call.callID, piece);
      replaced = replaced.map((s) => (s === before ? piece : s));
      estimate += piece.tokens - before.tokens;
    }
    kept[kept.length - 1] = { ...newest, segments: replaced, tokens: replaced.reduce((n, s) => n + s.tokens, 0) };
  }

  return {
    /**
     * The request's calls the fold does not take out while it stays: those the plugin shapes (see
     * `keptFrom`). All of them when nothing is folded or the history starts elsewhere than the fold's anchor.
     */
    shown(request: ReplayRequest): readonly ReplayCall[] {
      const through = state?.through;
      if (through === undefined) return request.calls;
      const segments = request.segments.slice(0, request.length);
      if (segments.find((s) => s.message !== SYSTEM_MESSAGE)?.message !== state?.anchor) return request.calls;
      const folded = new Set<string>();
      let reached = false;
      for (const segment of segments) {
        if (segment.message === through) reached = true;
        else if (reached) break;
        if (segment.kind === "output" && segment.call) folded.add(segment.call.callID);
      }
      return reached ? request.calls.filter((c) => !folded.has(c.callID)) : request.calls;
    },

    async fold(request: ReplayRequest, given: readonly SentSegment[]): Promise<FoldedRequest> {
      const segments = request.segments.slice(0, request.length);
      const sent = given.map((s, i) => {
        const call = segments[i]!.kind === "output" ? segments[i]!.call : undefined;
        return (call && clamped.get(call.callID)) || s;
      });
      const units: Unit[] = [];
      segments.forEach((segment, i) => {
        if (segment.kind === "user" && segment.text !== undefined) recordRequest(ledger, segment.message, segment.text);
        const last = units.at(-1);
        const call = segment.kind === "output" && segment.call ? [segment.call.callID] : [];
        if (last !== undefined && last.id === segment.message) {
          units[units.length - 1] = { ...last, tokens: last.tokens + sent[i]!.tokens, segments: [...last.segments, sent[i]!], calls: [...last.calls, ...call] };
        } else units.push({ id: segment.message, tokens: sent[i]!.tokens, segments: [sent[i]!], calls: call });
      });
      for (const call of request.calls) {
        if (recorded.has(call.callID)) continue;
        recorded.add(call.callID);
        recordCall(ledger, call);
      }
      // The system text and the first message are sent whatever is folded.
      const head = units[0]?.id === SYSTEM_MESSAGE ? 2 : 1;
      if (units.length <= head) return { sent, folded: new Set(), digest: "" };
      const first: Unit = { id: units[head - 1]!.id, tokens: 0, segments: units.slice(0, head).flatMap((u) => u.segments), calls: [] };
      const fixed = units.slice(0, head).reduce((n, u) => n + u.tokens, 0);
      const rest = units.slice(head);
      const marks = foldMarks(usable, fixed, ratios);
      const render = (foldedCalls: number) => renderDigest(ledger, { budgetTokens: marks.digestBudget, foldedCalls, count: (t) => tokens.count(t) });
      if (state === undefined) state = { anchor: first.id, folds: 0, digest: "", digestTokens: 0 };
      else if (state.anchor !== first.id) {
        // A recorded compaction restarted the history: the ledger is sent again, as the plugin does.
        const digest = render(ledger.calls.length);
        state = { anchor: first.id, folds: state.folds, digest: digest.text, digestTokens: digest.tokens };
      }
      const plan = planFold({ units: rest, foldable: rest.length - options.keepNewest, fixedTokens: fixed, state, marks });
      if (plan.moved) {
        const through = foldedIndex(rest, plan.through);
        const digest = render(rest.slice(0, through + 1).reduce((n, u) => n + u.calls.length, 0));
        state = { anchor: first.id, through: plan.through, folds: state.folds + 1, digest: digest.text, digestTokens: digest.tokens };
      }
      const current = state;
      const digestUnit = (text: string): Unit => ({ id: "digest", tokens: current.digestTokens, segments: [{ key: `digest${current.folds}:${text.length}`, tokens: current.digestTokens }], calls: [] });
      const kept = applyFold([first, ...rest], (u) => u.id, current, digestUnit);
      await clampNewest(kept, segments, sent, Math.floor(usable * options.ceilingRatio));
      const keptCalls = new Set(kept.flatMap((u) => u.calls));
      return {
        sent: kept.flatMap((u) => u.segments),
        folded: new Set(rest.flatMap((u) => u.calls).filter((id) => !keptCalls.has(id))),
        digest: current.digest,
      };
    },
  };
}
