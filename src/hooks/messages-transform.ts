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
import { countTokens } from "../tokens/count.ts";

type CompletedToolPart = ToolPart & { state: ToolStateCompleted };
type WithMessages = { messages: { info: Message; parts: Part[] }[] };

/** Completed tool parts that opencode will send with their output (pruned parts are already placeholders). */
function sendableToolParts(messages: WithMessages["messages"]): CompletedToolPart[] {
  return messages.flatMap((m) =>
    m.parts.filter(
      (p): p is CompletedToolPart =>
        p.type === "tool" && p.state.status === "completed" && p.state.time.compacted === undefined,
    ),
  );
}

/**
 * Tool parts whose outputs the model has not read: those with no assistant reply after their message.
 * Derived from the messages alone, so it holds across restarts and retried requests. An assistant
 * message without content (the step being generated) is not a reply.
 */
export function unreadToolParts(messages: WithMessages["messages"]): Set<string> {
  const replied = (m: WithMessages["messages"][number]) =>
    m.info.role === "assistant" && m.parts.some((p) => p.type === "text" || p.type === "tool" || p.type === "reasoning");
  let lastReply = -1;
  messages.forEach((m, i) => {
    if (replied(m)) lastReply = i;
  });
  const unread = new Set<string>();
  messages.forEach((m, i) => {
    if (i < lastReply) return;
    for (const p of m.parts) if (p.type === "tool") unread.add(p.callID);
  });
  return unread;
}

/**
 * Per completed tool part, the tokens sent between the previous sendable output and its own that are not
 * outputs: text and reasoning, and tool inputs as JSON (`CallView.gapTokens`), each counted once per part.
 */
function gapTokens(messages: WithMessages["messages"], count: (key: string, text: () => string) => number): Map<string, number> {
  const gaps = new Map<string, number>();
  let gap = 0;
  for (const m of messages) {
    for (const p of m.parts) {
      if (p.type === "text" || p.type === "reasoning") gap += count(p.id, () => p.text);
      if (p.type !== "tool") continue;
      gap += count(`${p.id}\u0000input`, () => JSON.stringify(p.state.input ?? {}));
      if (p.state.status === "completed" && p.state.time.compacted === undefined) {
        gaps.set(p.callID, gap);
        gap = 0;
      }
    }
  }
  return gaps;
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

/** Token counts by key (a part or a call), so a request between batches tokenizes nothing it has seen before. */
function tokenMemo(): (key: string, count: () => number) => number {
  const cache = new Map<string, number>();
  return (key, count) => {
    let tokens = cache.get(key);
    if (tokens === undefined) {
      tokens = count();
      cache.set(key, tokens);
    }
    return tokens;
  };
}

/** Token counts of render texts by call, recounted only when a call's render changes. */
function renderMemo(): (callID: string, text: string) => number {
  const cache = new Map<string, { text: string; tokens: number }>();
  return (callID, text) => {
    const known = cache.get(callID);
    if (known?.text === text) return known.tokens;
    const tokens = countTokens(text);
    cache.set(callID, { text, tokens });
    return tokens;
  };
}

/**
 * What this request carries in tool-output tokens against stock opencode, and at a batch what it freed and
 * how much of the request, from the first newly compressed call on, the provider's cache writes again.
 */
function measureRequest(
  sessionID: string,
  parts: readonly CompletedToolPart[],
  shaped: { renders: ReadonlyMap<string, string>; batch: number; added: readonly string[] },
  raw: (part: CompletedToolPart) => number,
  rendered: (callID: string, text: string) => number,
): RequestRecord {
  const added = new Set(shaped.added);
  let toolTokensSent = 0;
  let toolTokensRaw = 0;
  let freedTokens = 0;
  let rewriteTokens = 0;
  let rewriting = false;
  for (const part of parts) {
    const rawTokens = raw(part);
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
  /** Told what each shaped request carried (the request log, the batch toast); its failure never reaches the request. */
  onRequest?: (request: RequestRecord) => void;
}) {
  const memo = tokenMemo();
  const key = (part: CompletedToolPart, half: string) => `${part.sessionID}\u0000${part.callID}\u0000${half}`;
  const tokensOf = (part: CompletedToolPart) => memo(key(part, "output"), () => countTokens(part.state.output));
  const inputTokensOf = (part: CompletedToolPart) =>
    memo(key(part, "bulky"), () => (deps.config.compressInputs ? elidedInputTokens(part.callID, part.state.input, countTokens) : 0));
  const countOnce = (id: string, text: () => string) => memo(id, () => countTokens(text()));
  const renderTokensOf = renderMemo();

  return async (input: unknown, output: WithMessages): Promise<void> => {
    const sessionID = sessionOf(input, output.messages);
    if (sessionID === undefined) return;
    // The ledger reads the outputs as opencode stored them, before any is replaced by its observation.
    // A ledger that cannot take them must not cost the request its observations.
    try {
      deps.folder?.record(sessionID, output.messages);
    } catch (error) {
      const message = `the session ledger could not record this request: ${error instanceof Error ? error.message : String(error)}`;
      if (deps.notice) deps.notice("ledger-failed", "warn", message);
      else deps.log("warn", message);
    }
    const parts = sendableToolParts(output.messages);
    const gaps = gapTokens(output.messages, countOnce);
    const calls: CallView[] = parts.map((p) => ({
      callID: p.callID,
      tool: p.tool,
      input: p.state.input,
      output: p.state.output,
      metadata: p.state.metadata,
      tokens: tokensOf(p),
      inputTokens: inputTokensOf(p),
      gapTokens: gaps.get(p.callID) ?? 0,
    }));
    const recovered = deps.recovery?.recover(sessionID, calls.map((c) => ({ ...c, input: c.input ?? {} }))) ?? 0;
    if (recovered > 0) deps.log("info", `session ${sessionID}: archived ${recovered} outputs from opencode's own copy (the tool hook's rows were missing)`);
    const unseen = unreadToolParts(output.messages);
    const requests = output.messages.filter((m) => m.info.role === "assistant").length + 1;
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
    const inputs = new Map([...shaped.inputs].map(([id, json]) => [id, JSON.parse(json) as Record<string, unknown>]));
    for (const part of parts) {
      const render = shaped.renders.get(part.callID);
      if (render !== undefined) part.state.output = deps.redact ? redactSecrets(render) : render;
      const input = inputs.get(part.callID);
      if (input !== undefined) part.state.input = input;
    }
    if (deps.onRequest !== undefined) {
      try {
        deps.onRequest(measureRequest(sessionID, parts, shaped, tokensOf, renderTokensOf));
      } catch (error) {
        deps.log("warn", `session ${sessionID}: the request was not logged: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (deps.folder === undefined) return;
    try {
      const raw = new Map(calls.filter((c) => !shaped.renders.has(c.callID)).map((c) => [c.callID, c.tokens]));
      await deps.folder.fold(sessionID, output.messages, unseen, raw);
    } catch (error) {
      // The observations stand; the request goes unfolded, which the fold's next move makes up for.
      const message = `folding failed, this request is sent unfolded: ${error instanceof Error ? error.message : String(error)}`;
      if (deps.notice) deps.notice("fold-failed", "warn", message);
      else deps.log("warn", message);
    }
  };
}
