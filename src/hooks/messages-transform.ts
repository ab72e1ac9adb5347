import type { Message, Part, ToolPart, ToolStateCompleted } from "@opencode-ai/sdk";
import type { PolicyConfig } from "../config/schema.ts";
import { type CallView, elidedInputTokens, type SessionStore, shapeContext } from "../context/engine.ts";
import type { RequestRecord } from "../archive/requests.ts";
import { redactSecrets } from "../compress/redact.ts";
import type { Logger } from "../log/logger.ts";
import { isRecord } from "../json/record.ts";
import type { Notice } from "../log/notice.ts";
import type { Folder } from "./fold.ts";
import type { Recovery } from "./recover.ts";
import type { RelevantRecall } from "./relevant-recall.ts";
import { countTokens, rememberedCount } from "../tokens/count.ts";

type CompletedToolPart = ToolPart & { state: ToolStateCompleted };
type WithMessages = { messages: { info: Message; parts: Part[] }[] };

const isSendable = (p: Part): p is CompletedToolPart =>
  p.type === "tool" && p.state.status === "completed" && p.state.time.compacted === undefined;

const isReply = (m: WithMessages["messages"][number]) =>
  m.info.role === "assistant" && m.parts.some((p) => p.type === "text" || p.type === "tool" || p.type === "reasoning");

/**
 * Tool parts whose outputs the model has not read: those with no assistant reply after their message.
 * Derived from the messages alone, so it holds across restarts and retried requests. An assistant
 * message without content (the step being generated) is not a reply.
 */
export function unreadToolParts(messages: WithMessages["messages"]): Set<string> {
  let lastReply = messages.length - 1;
  while (lastReply >= 0 && !isReply(messages[lastReply]!)) lastReply--;
  const unread = new Set<string>();
  for (let i = Math.max(0, lastReply); i < messages.length; i++) {
    for (const p of messages[i]!.parts) if (p.type === "tool") unread.add(p.callID);
  }
  return unread;
}

/** Token counts remembered per key, so a request between batches tokenizes nothing it has seen before. */
class Counts {
  private readonly known = new Map<string, number>();
  of(key: string, count: () => number): number {
    let tokens = this.known.get(key);
    if (tokens === undefined) {
      tokens = count();
      this.known.set(key, tokens);
    }
    return tokens;
  }
}

/** What the transform keeps of each session between requests. */
interface PerSession {
  /** Token counts by call id: of outputs, and of inputs' bulky fields. */
  readonly outputs: Counts;
  readonly bulky: Counts;
  /** The raw tokens of the outputs the fold has taken out, through the message named (what stock would still send). */
  folded?: { readonly through: string; readonly from: number; readonly tokens: number };
  /** A request of the session had all its messages recorded and checked for archiving in this process. */
  seenWhole: boolean;
}

/** What the transform needs of the request, taken in one walk over its parts. */
interface Walk {
  /** Completed tool parts sent with their output, oldest first. */
  readonly parts: CompletedToolPart[];
  /**
   * Per such part (same index), the tokens sent between the previous sendable output and its own that are
   * not outputs: text and reasoning, and tool inputs as JSON (`CallView.gapTokens`), each counted once per part.
   */
  readonly gaps: number[];
}

function walk(messages: WithMessages["messages"], texts: Counts, inputs: Counts): Walk {
  const parts: CompletedToolPart[] = [];
  const gaps: number[] = [];
  let gap = 0;
  for (const m of messages) {
    for (const p of m.parts) {
      if (p.type === "text" || p.type === "reasoning") gap += texts.of(p.id, () => countTokens(p.text));
      if (p.type !== "tool") continue;
      gap += inputs.of(p.id, () => countTokens(JSON.stringify(p.state.input ?? {})));
      if (isSendable(p)) {
        parts.push(p);
        gaps.push(gap);
        gap = 0;
      }
    }
  }
  return { parts, gaps };
}

/** The call a part carries, with its token counts (one object literal: a request builds one per shaped part). */
function callView(p: CompletedToolPart, tokens: number, inputTokens?: number, gapTokens?: number): CallView {
  return { callID: p.callID, tool: p.tool, input: p.state.input, output: p.state.output, metadata: p.state.metadata, tokens, inputTokens, gapTokens };
}

/** Model requests in the history, this one included: the assistant messages plus one. */
function modelRequests(messages: WithMessages["messages"]): number {
  let requests = 1;
  for (const m of messages) if (m.info.role === "assistant") requests++;
  return requests;
}

/** Completed tool parts sent with their output in `messages[from, to)`, oldest first. */
function sendableParts(messages: WithMessages["messages"], from: number, to: number): CompletedToolPart[] {
  const parts: CompletedToolPart[] = [];
  for (let i = from; i < to; i++) for (const p of messages[i]!.parts) if (isSendable(p)) parts.push(p);
  return parts;
}

/**
 * The session: from the hook input on a patched opencode (messages-transform-input patch), else from
 * the messages, every one of which carries it (stock opencode passes `{}`).
 */
function sessionOf(input: unknown, messages: WithMessages["messages"]): string | undefined {
  const given = isRecord(input) ? input.sessionID : undefined;
  if (typeof given === "string" && given.length > 0) return given;
  return messages.find((m) => typeof m.info.sessionID === "string")?.info.sessionID;
}

/** Token counts of render texts by call, recounted only when a call's render changes. */
function renderMemo(): (callID: string, text: string) => number {
  const cache = new Map<string, { text: string; tokens: number }>();
  return (callID, text) => {
    const known = cache.get(callID);
    if (known?.text === text) return known.tokens;
    // A new render is most often an observation idle work counted when it made it.
    const tokens = rememberedCount(text);
    cache.set(callID, { text, tokens });
    return tokens;
  };
}

/**
 * The counts of the outputs sent raw, plus those of the renders sent as they are (not redacted): at a batch,
 * the request log has just counted the new renders, and the fold would count each again.
 */
function withRenderCounts(
  parts: readonly CompletedToolPart[],
  renders: ReadonlyMap<string, string>,
  raw: ReadonlyMap<string, number>,
  rendered: (callID: string, text: string) => number,
): Map<string, number> {
  const counted = new Map(raw);
  for (const part of parts) {
    const render = renders.get(part.callID);
    if (render !== undefined && part.state.output === render) counted.set(part.callID, rendered(part.callID, render));
  }
  return counted;
}

/**
 * The raw tokens of the outputs in `messages[1, from)`, which the fold takes out: stock opencode would send
 * them. Counted again only for the messages the fold took out since it was last asked (or all of them when
 * the history no longer starts where it did).
 */
function foldedRawTokens(session: PerSession, messages: WithMessages["messages"], from: number, tokensOf: (p: CompletedToolPart) => number): number {
  if (from <= 1) return 0;
  const through = messages[from - 1]!.info.id;
  const known = session.folded;
  if (known?.through === through) return known.tokens;
  const resume = known !== undefined && known.from < from && messages[known.from - 1]?.info.id === known.through ? known : undefined;
  let tokens = resume?.tokens ?? 0;
  for (const part of sendableParts(messages, resume?.from ?? 1, from)) tokens += tokensOf(part);
  session.folded = { through, from, tokens };
  return tokens;
}

/**
 * What this request carries in tool-output tokens against stock opencode, and at a batch what it freed and
 * how much of the request, from the first newly compressed call on, the provider's cache writes again.
 * `parts` are those shaped: the outputs the fold takes out are not sent, and the caller adds their raw tokens.
 */
function measureRequest(
  sessionID: string,
  parts: readonly CompletedToolPart[],
  shaped: { renders: ReadonlyMap<string, string>; batch: number; added: readonly string[] },
  raw: readonly number[],
  rendered: (callID: string, text: string) => number,
): RequestRecord {
  const added = new Set(shaped.added);
  let toolTokensSent = 0;
  let toolTokensRaw = 0;
  let freedTokens = 0;
  let rewriteTokens = 0;
  let rewriting = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const rawTokens = raw[i]!;
    const render = shaped.renders.get(part.callID);
    const sent = render === undefined ? rawTokens : rendered(part.callID, render);
    toolTokensRaw += rawTokens;
    toolTokensSent += sent;
    if (added.has(part.callID)) {
      freedTokens += rawTokens - sent;
      rewriting = true;
    }
    if (rewriting) rewriteTokens += sent;
  }
  return { sessionID, batch: shaped.batch, toolTokensSent, toolTokensRaw, freedTokens, rewriteTokens };
}

/**
 * `experimental.chat.messages.transform`: replaces older tool outputs with their observations, and the bulky
 * input fields of older calls (opencode builds each tool_use block from `state.input`) with stand-ins, in
 * what is sent. It mutates the request's copy of the messages in place; opencode's stored history is untouched.
 */
export function createMessagesTransformHook(deps: {
  store: SessionStore;
  config: PolicyConfig;
  log: Logger;
  folder?: Folder;
  notice?: Notice;
  recovery?: Recovery;
  /** Secrets in observations are replaced (the raw outputs sent before them are left as opencode has them). */
  redact?: boolean;
  /** Adds matching earlier outputs to new user messages (option `relevantRecall`). */
  recall?: RelevantRecall;
  /** Told what each shaped request carried (the request log, the batch toast); its failure never reaches the request. */
  onRequest?: (request: RequestRecord) => void;
}) {
  // Text and input counts by part id (unique across sessions); output and bulky-input counts by call id, per session.
  const texts = new Counts();
  const inputs = new Counts();
  const perSession = new Map<string, PerSession>();
  const sessionState = (sessionID: string) => {
    let state = perSession.get(sessionID);
    if (state === undefined) {
      state = { outputs: new Counts(), bulky: new Counts(), seenWhole: false };
      perSession.set(sessionID, state);
    }
    return state;
  };
  const renderTokensOf = renderMemo();

  return async (input: unknown, output: WithMessages): Promise<void> => {
    const sessionID = sessionOf(input, output.messages);
    if (sessionID === undefined) return;
    const session = sessionState(sessionID);
    // While the fold stays, the messages it takes out are not sent: only the first one and those after them
    // are shaped, so a request costs what it sends, not what the session has behind it.
    const from = deps.folder?.shownFrom(sessionID, output.messages) ?? 1;
    // A session's first request in this process looks at every message (the archive's ledger and rows may
    // lack the last ones before a restart); after it, each message was recorded and checked for archiving
    // while it was still shown, before the fold took it out.
    const lookFrom = session.seenWhole ? from : 0;
    session.seenWhole = true;
    // The ledger reads the outputs as opencode stored them, before any is replaced by its observation.
    // A ledger that cannot take them must not cost the request its observations.
    try {
      deps.folder?.record(sessionID, output.messages, lookFrom);
    } catch (error) {
      const message = `the session ledger could not record this request: ${error instanceof Error ? error.message : String(error)}`;
      if (deps.notice) deps.notice("ledger-failed", "warn", message);
      else deps.log("warn", message);
    }
    const shown = from <= 1 ? output.messages : [output.messages[0]!, ...output.messages.slice(from)];
    const { parts, gaps } = walk(shown, texts, inputs);
    const requests = modelRequests(output.messages);
    const outputTokens = (p: CompletedToolPart) => session.outputs.of(p.callID, () => countTokens(p.state.output));
    const calls = parts.map((p, i) =>
      callView(p, outputTokens(p), session.bulky.of(p.callID, () => (deps.config.compressInputs ? elidedInputTokens(p.callID, p.state.input, countTokens) : 0)), gaps[i]!),
    );
    const folded = lookFrom === 0 ? sendableParts(output.messages, 1, from) : [];
    const recoverable = folded.length === 0 ? calls : [...folded.map((p) => callView(p, outputTokens(p))), ...calls];
    const recovered = deps.recovery?.recover(sessionID, recoverable) ?? 0;
    if (recovered > 0) deps.log("info", `session ${sessionID}: archived ${recovered} outputs from opencode's own copy (the tool hook's rows were missing)`);
    const unseen = unreadToolParts(output.messages);
    const shaped = await shapeContext({ sessionID, calls, unseen, config: deps.config, store: deps.store, requests });
    if (shaped.batchFailed !== undefined) {
      deps.log("warn", `session ${sessionID}: a due batch failed, sending the frozen frontier unchanged: ${shaped.batchFailed}`);
    }
    if (shaped.batched) {
      deps.log(
        "info",
        `session ${sessionID}: frontier moved to batch ${shaped.batch}, ${shaped.renders.size} outputs sent as observations, ${shaped.inputs.size} inputs with stand-ins`,
      );
    }
    // Parsed before anything is changed: an error leaves the messages exactly as they were.
    const standIns = new Map([...shaped.inputs].map(([id, json]) => [id, JSON.parse(json) as Record<string, unknown>]));
    // The transform's counts of the outputs it sends raw, for the fold (which would count them again).
    const raw = new Map<string, number>();
    parts.forEach((part, i) => {
      const render = shaped.renders.get(part.callID);
      if (render !== undefined) part.state.output = deps.redact ? redactSecrets(render) : render;
      else raw.set(part.callID, calls[i]!.tokens);
      const input = standIns.get(part.callID);
      if (input !== undefined) part.state.input = input;
    });
    // Before the fold, which counts the block as part of its message.
    try {
      deps.recall?.apply(sessionID, output.messages, new Set(raw.keys()));
    } catch (error) {
      const message = `relevant recall failed, this request goes without its memory block: ${error instanceof Error ? error.message : String(error)}`;
      if (deps.notice) deps.notice("recall-failed", "warn", message);
      else deps.log("warn", message);
    }
    if (deps.onRequest !== undefined) {
      try {
        // The raw counts of the calls, index for index with the parts (their outputs may be renders by now).
        const record = measureRequest(sessionID, parts, shaped, calls.map((c) => c.tokens), renderTokensOf);
        deps.onRequest({ ...record, toolTokensRaw: record.toolTokensRaw + foldedRawTokens(session, output.messages, from, outputTokens) });
      } catch (error) {
        deps.log("warn", `session ${sessionID}: the request was not logged: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (deps.folder === undefined) return;
    try {
      await deps.folder.fold(sessionID, output.messages, unseen, shaped.batched ? withRenderCounts(parts, shaped.renders, raw, renderTokensOf) : raw);
    } catch (error) {
      // The observations stand; the request goes unfolded, which the fold's next move makes up for.
      const message = `folding failed, this request is sent unfolded: ${error instanceof Error ? error.message : String(error)}`;
      if (deps.notice) deps.notice("fold-failed", "warn", message);
      else deps.log("warn", message);
    }
  };
}
