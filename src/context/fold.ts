/**
 * Folding, the tier after observations: when a request approaches the model's usable window, the oldest
 * whole messages are taken out of what is sent and one synthetic message carrying the session ledger's
 * digest stands in for them. Pure decisions; the hook measures, the archive persists.
 *
 * @module
 */

/** One message of the request as folding weighs it: opencode keeps a tool call and its result in one message. */
export interface FoldUnit {
  readonly id: string;
  /** Tokens of the message as it is sent (observations and stand-ins applied). */
  readonly tokens: number;
}

/** Per-session fold state, frozen between folds so requests in between share a byte-identical prefix. */
export interface FoldState {
  /** Id of the first message when the fold was made; another first message means opencode compacted. */
  readonly anchor: string;
  /** The newest folded message; absent: nothing is folded (the digest may still be sent after a compaction). */
  readonly through?: string;
  /** How many folds the session had. */
  readonly folds: number;
  /** The digest text sent after the first message; empty: none is sent. */
  readonly digest: string;
  /** Its tokens. */
  readonly digestTokens: number;
}

export interface FoldMarks {
  /** A fold happens when the request's estimated tokens exceed this. */
  readonly high: number;
  /** A fold removes the oldest messages until the request, digest included, is at most this. */
  readonly low: number;
  /** The digest's own budget (an upper bound on its tokens). */
  readonly digestBudget: number;
}

export interface FoldInput {
  /** Every message after the first one, oldest first (the first message is always kept as it is). */
  readonly units: readonly FoldUnit[];
  /** How many of the oldest units may be folded: the newest ones (unread outputs, the step in progress) never are. */
  readonly foldable: number;
  /** Tokens that are sent whatever is folded: the first message, the system prompt and tool definitions. */
  readonly fixedTokens: number;
  readonly state: FoldState | undefined;
  readonly marks: FoldMarks;
}

export interface FoldPlan {
  /** The newest message to fold (absent: none). */
  readonly through: string | undefined;
  /** True when the fold moved in this request (a new digest must be rendered). */
  readonly moved: boolean;
  /** Estimated tokens of the request as it will be sent (with the digest's budget when it moved). */
  readonly estimate: number;
}

const sum = (units: readonly FoldUnit[]): number => units.reduce((n, u) => n + u.tokens, 0);

/** Index of the newest folded unit (-1: none folded, or the folded message is no longer in the request). */
export function foldedIndex(units: readonly FoldUnit[], through: string | undefined): number {
  return through === undefined ? -1 : units.findIndex((u) => u.id === through);
}

/**
 * Decides whether the fold moves now. Below the high mark the answer is "as before", so every request
 * between two folds carries the same first message, the same digest and the same kept messages. Above it,
 * the oldest foldable units go until the request, with a digest at its budget, is at most the low mark (or
 * nothing more may be folded). The first message and the newest `units.length - foldable` never go.
 */
export function planFold(input: FoldInput): FoldPlan {
  const { units, marks } = input;
  const current = foldedIndex(units, input.state?.through);
  const digestNow = input.state?.digest ? input.state.digestTokens : 0;
  const estimate = input.fixedTokens + digestNow + sum(units.slice(current + 1));
  if (estimate <= marks.high) return { through: current >= 0 ? units[current]!.id : undefined, moved: false, estimate };
  const last = Math.min(input.foldable, units.length) - 1;
  let kept = sum(units.slice(current + 1));
  let next = current;
  while (next < last && input.fixedTokens + marks.digestBudget + kept > marks.low) {
    next++;
    kept -= units[next]!.tokens;
  }
  if (next === current) return { through: current >= 0 ? units[current]!.id : undefined, moved: false, estimate };
  return { through: units[next]!.id, moved: true, estimate: input.fixedTokens + marks.digestBudget + kept };
}

/**
 * Index of the first message after those the fold takes out: 1 when none is folded (the first message is
 * always sent), or when the messages start elsewhere than the fold's anchor (opencode compacted since).
 * What is before it and after the first message is not sent while the fold stays, so nothing need weigh it.
 */
export function keptFrom<M>(messages: readonly M[], idOf: (m: M) => string, state: FoldState | undefined): number {
  if (state?.through === undefined || messages.length === 0 || idOf(messages[0]!) !== state.anchor) return 1;
  for (let i = 1; i < messages.length; i++) if (idOf(messages[i]!) === state.through) return i + 1;
  return 1;
}

/** The messages sent: the first, the digest (when there is one), then those after the folded ones. */
export function applyFold<M>(messages: readonly M[], idOf: (m: M) => string, state: FoldState | undefined, digestMessage: (text: string) => M): M[] {
  if (state === undefined || messages.length === 0 || idOf(messages[0]!) !== state.anchor) return [...messages];
  const kept = messages.slice(keptFrom(messages, idOf, state));
  return state.digest === "" ? [messages[0]!, ...kept] : [messages[0]!, digestMessage(state.digest), ...kept];
}

/**
 * The fold marks for a usable window. The ratios are shares of the room the window leaves above the tokens
 * every request carries anyway (`fixed`: system prompt, tool definitions, first message): on a 32k model
 * those can take a quarter of the window, and a mark below them could never be met.
 */
export function foldMarks(
  usable: number,
  fixed: number,
  ratios: { readonly high: number; readonly low: number; readonly digest: number; readonly digestMax: number },
): FoldMarks {
  const room = Math.max(0, usable - fixed);
  return {
    high: Math.floor(fixed + room * ratios.high),
    low: Math.floor(fixed + room * ratios.low),
    digestBudget: Math.min(ratios.digestMax, Math.floor(usable * ratios.digest)),
  };
}

/**
 * What an output the model has not read is sent as when the request would pass the ceiling: its
 * observation, cut to `room` tokens (about three characters a token, the handle kept) when even that is
 * too large.
 */
export function fitToRoom(observation: string, room: number, count: (text: string) => number, handle: string): string {
  if (count(observation) <= room) return observation;
  return `${observation.slice(0, Math.max(0, room * 3 - handle.length))}\n${handle}`;
}
