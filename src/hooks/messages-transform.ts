import type { Message, Part, ToolPart, ToolStateCompleted } from "@opencode-ai/sdk";
import type { PolicyConfig } from "../config/schema.ts";
import { type CallView, elidedInputTokens, type SessionStore, shapeContext } from "../context/engine.ts";
import type { RequestRecord } from "../archive/requests.ts";
import type { Logger } from "../log/logger.ts";
import { isRecord } from "../json/record.ts";
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
 * The session: from the hook input on a patched opencode (messages-transform-input patch), else from
 * the messages, every one of which carries it (stock opencode passes `{}`).
 */
function sessionOf(input: unknown, messages: WithMessages["messages"]): string | undefined {
  const given = isRecord(input) ? input.sessionID : undefined;
  if (typeof given === "string" && given.length > 0) return given;
  return messages.find((m) => typeof m.info.sessionID === "string")?.info.sessionID;
}

/** Token counts per tool call, so a request between batches tokenizes nothing it has seen before. */
function tokenMemo(count: (part: CompletedToolPart) => number): (part: CompletedToolPart) => number {
  const cache = new Map<string, number>();
  return (part) => {
    const key = `${part.sessionID}\u0000${part.callID}`;
    let tokens = cache.get(key);
    if (tokens === undefined) {
      tokens = count(part);
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
  /** Told what each shaped request carried (the request log, the batch toast); its failure never reaches the request. */
  onRequest?: (request: RequestRecord) => void;
}) {
  const tokensOf = tokenMemo((part) => countTokens(part.state.output));
  const renderTokensOf = renderMemo();
  const inputTokensOf = tokenMemo((part) =>
    deps.config.compressInputs ? elidedInputTokens(part.callID, part.state.input, countTokens) : 0,
  );

  return async (input: unknown, output: WithMessages): Promise<void> => {
    const sessionID = sessionOf(input, output.messages);
    if (sessionID === undefined) return;
    const parts = sendableToolParts(output.messages);
    const calls: CallView[] = parts.map((p) => ({
      callID: p.callID,
      tool: p.tool,
      input: p.state.input,
      output: p.state.output,
      metadata: p.state.metadata,
      tokens: tokensOf(p),
      inputTokens: inputTokensOf(p),
    }));
    const unseen = unreadToolParts(output.messages);
    const shaped = await shapeContext({ sessionID, calls, unseen, config: deps.config, store: deps.store });
    if (shaped.batchFailed !== undefined) {
      deps.log("warn", `session ${sessionID}: a due batch failed, sending the frozen frontier unchanged: ${shaped.batchFailed}`);
    }
    if (shaped.batched) {
      deps.log(
        "info",
        `session ${sessionID}: frontier moved to batch ${shaped.batch}, ${shaped.renders.size} outputs sent as observations, ${shaped.inputs.size} inputs with stand-ins`,
      );
    }
    if (deps.onRequest !== undefined) {
      try {
        deps.onRequest(measureRequest(sessionID, parts, shaped, tokensOf, renderTokensOf));
      } catch (error) {
        deps.log("warn", `session ${sessionID}: the request was not logged: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // Parsed before anything is changed: an error leaves the messages exactly as they were.
    const inputs = new Map([...shaped.inputs].map(([id, json]) => [id, JSON.parse(json) as Record<string, unknown>]));
    for (const part of parts) {
      const render = shaped.renders.get(part.callID);
      if (render !== undefined) part.state.output = render;
      const input = inputs.get(part.callID);
      if (input !== undefined) part.state.input = input;
    }
  };
}
