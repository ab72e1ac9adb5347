import type { Session, ToolCallRecord } from "./importers/model.ts";
import { countTokens } from "../tokens/count.ts";

/**
 * Rebuilds the requests the model saw in a session as lists of segments (system text, user text, assistant
 * text, one tool call's input, one tool call's output), each tokenized once. A policy only changes input and
 * output segments, so a request under any policy is its segment list with some of them rendered differently.
 *
 * @module
 */

export type SegmentKind = "system" | "user" | "text" | "input" | "output";

/** A completed tool call as the replay tracks it: the record, its place, its output's token count. */
export interface ReplayCall extends ToolCallRecord {
  /** Position among the session's calls, oldest first. */
  readonly index: number;
  /** The user turn it belongs to. */
  readonly turn: number;
  readonly tokens: number;
  /** Tokens of the segments between the previous output and this one (text, inputs): `CallView.gapTokens`. */
  readonly gapTokens: number;
}

/** The message id of the system text's segment: sent with every request, never folded. */
export const SYSTEM_MESSAGE = "system";

export interface Segment {
  /** Identifies the text: two requests share a prefix up to the first segment whose key differs. */
  readonly key: string;
  readonly kind: SegmentKind;
  /** The message it belongs to (one user turn's text, or one step with its calls): what folding removes whole. */
  readonly message: string;
  readonly tokens: number;
  /** For input and output segments: whose call it is. */
  readonly call?: ReplayCall;
  /** For user and system segments: the text (references found in them are always in context). */
  readonly text?: string;
}

export interface ReplayRequest {
  /** The step this request asked for, counting over the whole session. */
  readonly step: number;
  readonly turn: number;
  /** Requests in its history so far, itself included (a compaction summary starts a new history). */
  readonly requests: number;
  /** Its segments: the first `length` of a history shared with the requests after it. */
  readonly segments: readonly Segment[];
  readonly length: number;
  /** Tokens with every output raw. */
  readonly rawTokens: number;
  /** The completed calls visible in it, oldest first. */
  readonly calls: readonly ReplayCall[];
}

export interface ReplayPlan {
  readonly session: Session;
  readonly calls: readonly ReplayCall[];
  readonly requests: readonly ReplayRequest[];
}

/** Text a tool call's input is sent as: its JSON arguments. */
export const inputText = (call: ToolCallRecord): string => JSON.stringify(call.input);

/** Tokenizes each distinct text once: the replay asks for the same observations and placeholders often. */
export class TokenCache {
  private readonly counts = new Map<string, number>();

  /** `counter` is the project's tokenizer; tests pass one whose answers they can work out by hand. */
  constructor(private readonly counter: (text: string) => number = countTokens) {}

  count(text: string): number {
    let n = this.counts.get(text);
    if (n === undefined) {
      n = this.counter(text);
      if (text.length < 4096) this.counts.set(text, n);
    }
    return n;
  }
}

/** Every request of the session, oldest first. A compaction summary starts a new history after its step. */
export function planRequests(session: Session, tokens: TokenCache = new TokenCache()): ReplayPlan {
  const calls: ReplayCall[] = [];
  const requests: ReplayRequest[] = [];
  const start = (): { segments: Segment[]; sum: number; calls: ReplayCall[]; requests: number; gap: number } => {
    const segments: Segment[] = [];
    if (session.system !== "") {
      segments.push({ key: "system", kind: "system", message: SYSTEM_MESSAGE, tokens: tokens.count(session.system), text: session.system });
    }
    return { segments, sum: segments.reduce((n, s) => n + s.tokens, 0), calls: [], requests: 0, gap: 0 };
  };
  let history = start();
  const push = (segment: Segment) => {
    history.segments.push(segment);
    history.sum += segment.tokens;
    history.gap = segment.kind === "output" ? 0 : history.gap + segment.tokens;
  };
  let step = 0;
  session.turns.forEach((turn, t) => {
    if (turn.user !== "") push({ key: `u${t}`, kind: "user", message: `u${t}`, tokens: tokens.count(turn.user), text: turn.user });
    for (const s of turn.steps) {
      history.requests++;
      requests.push({
        step,
        turn: t,
        requests: history.requests,
        segments: history.segments,
        length: history.segments.length,
        rawTokens: history.sum,
        calls: [...history.calls],
      });
      if (s.summary) {
        history = start();
        push({ key: `summary${step}`, kind: "user", message: `summary${step}`, tokens: tokens.count(s.text), text: s.text });
        step++;
        continue;
      }
      if (s.text !== "") push({ key: `a${step}`, kind: "text", message: `s${step}`, tokens: tokens.count(s.text) });
      const stepCalls = s.calls.map((record, i): ReplayCall => ({
        ...record,
        index: calls.length + i,
        turn: t,
        tokens: tokens.count(record.output),
        gapTokens: 0,
      }));
      for (const call of stepCalls) push({ key: `i:${call.callID}`, kind: "input", message: `s${step}`, tokens: tokens.count(inputText(call)), call });
      for (const unplaced of stepCalls) {
        const call = { ...unplaced, gapTokens: history.gap };
        calls.push(call);
        history.calls.push(call);
        push({ key: `o:${call.callID}`, kind: "output", message: `s${step}`, tokens: call.tokens, call });
      }
      step++;
    }
  });
  return { session, calls, requests };
}
