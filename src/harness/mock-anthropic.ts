/**
 * @module
 * A scripted, local stand-in for the Anthropic Messages API (plus an OpenAI-compatible
 * `/v1/chat/completions`), for driving a real opencode process in end-to-end tests.
 *
 * Every request is recorded (`server.requests`) so tests can assert on what opencode actually put on the
 * wire; the answer comes from a `script` function, so a test decides which tool calls the "model" makes.
 * Usage reports the project tokenizer's count of the request, so opencode's token tracking (and hence
 * its compaction trigger) sees realistic numbers.
 *
 * @example
 * ```ts
 * await using mock = startMockAnthropic({
 *   script: scriptedToolCalls([
 *     { name: "bash", input: { command: "echo hi", description: "say hi" } },
 *   ], { finalText: "done" }),
 * });
 * // point a provider at mock.baseURL ("http://127.0.0.1:PORT/v1"), run opencode, then:
 * const main = mock.requests.filter(isMainAgentRequest);
 * ```
 */
import { countTokens } from "../tokens/count.ts";

/** A tool call the scripted model makes. `id` defaults to a deterministic `toolu_…`/`call_…` id. */
export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

/** What the scripted model answers. Text comes before tool calls, as a real model usually does. */
export interface Reply {
  text?: string;
  toolCalls?: ToolCall[];
  /** Defaults to "tool_use" when there are tool calls, else "end_turn". */
  stopReason?: "end_turn" | "tool_use" | "max_tokens" | "stop_sequence";
  /** Overrides the reported usage (e.g. to provoke opencode's overflow compaction exactly once). */
  usage?: { inputTokens?: number; outputTokens?: number; cacheReadTokens?: number; cacheWriteTokens?: number };
  /** Answer with an HTTP error instead of a message (e.g. 529 overloaded_error), with extra headers (e.g. retry-after). */
  error?: { status: number; type: string; message: string; headers?: Record<string, string> };
  /** Answer 200 with this body as is (e.g. a malformed one) instead of a message. */
  rawBody?: string;
  /** Wait this long before answering (a slow model). */
  delayMs?: number;
  /** Answer only once this settles: a test holds a reply until it has seen what it orders against. */
  hold?: Promise<unknown>;
  /**
   * Anthropic only: a server-side `compaction` block emitted first (as the API does for `compact_20260112`),
   * streamed as `content_block_start` + one `compaction_delta`. `encryptedContent` is the opaque field
   * the API asks clients to send back verbatim.
   */
  compaction?: { content: string; encryptedContent?: string };
  /** Anthropic only: the response's `context_management` (e.g. `{ applied_edits: [...] }`), on `message_delta`. */
  contextManagement?: Record<string, unknown>;
}

export type Protocol = "anthropic" | "openai";

/** One HTTP request as the mock received it. Header names are lowercased. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body; `undefined` when the body was empty or not JSON. */
  body: RequestBody | undefined;
  /** Which API the request was addressed to; `undefined` for count_tokens and unknown paths. */
  protocol: Protocol | undefined;
  /** opencode sends its session id as `x-session-id` on every LLM call (title and compaction too). */
  sessionID: string | undefined;
  /** `Date.now()` at arrival. */
  time: number;
}

/**
 * The fields of an Anthropic or OpenAI chat request this harness looks at. Other fields are kept
 * (index signature) so tests can assert on anything, e.g. `context_management`.
 */
export interface RequestBody {
  model?: string;
  stream?: boolean;
  system?: string | ContentBlock[];
  messages?: WireMessage[];
  tools?: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface WireMessage {
  role: string;
  content?: string | ContentBlock[] | null;
  /** OpenAI only: the assistant's tool calls. */
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  /** OpenAI only: which call a `role: "tool"` message answers. */
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  /** tool_result content: a string or nested blocks. */
  content?: string | ContentBlock[];
  [key: string]: unknown;
}

/** Decides the reply to a generating request; `index` counts the requests that reached the script, from 0. */
export type Script = (req: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface MockOptions {
  script: Script;
  /** Return a message to reject the request with HTTP 400 in the protocol's error shape. */
  validate?: (body: RequestBody, req: RecordedRequest) => string | undefined;
  /** Model name echoed in responses when the request names none. */
  model?: string;
  /**
   * A context window the mock enforces, as the provider does: a generating request whose input tokens
   * (`requestInputTokens`) exceed it is rejected with Anthropic's 400 `prompt is too long` (the OpenAI route
   * answers in its own error shape, with the same message), and counted in `overflows`.
   */
  contextWindow?: number;
}

export interface MockServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `http://127.0.0.1:PORT/v1`: what providers take as `options.baseURL`. */
  baseURL: string;
  port: number;
  /** Every request received, in arrival order (including rejected and unknown ones). */
  requests: RecordedRequest[];
  /** Requests rejected for exceeding `contextWindow`. */
  readonly overflows: RecordedRequest[];
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const DEFAULT_MODEL = "claude-sonnet-mock";
/** Reported output tokens per reply: small and constant, so tests can reason about totals. */
const OUTPUT_TOKENS = 8;

/** Starts the mock on 127.0.0.1 with a random free port. */
export function startMockAnthropic(options: MockOptions): MockServer {
  const requests: RecordedRequest[] = [];
  const overflows: RecordedRequest[] = [];
  const ids = { tool: 0, message: 0 };
  let generated = 0;

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Replies are scripted and instant; a long idle timeout only matters if a test pauses a stream.
    idleTimeout: 60,
    fetch: async (request) => {
      const recorded = await recordRequest(request);
      requests.push(recorded);
      const route = routeOf(recorded);
      if (route === "count_tokens") return countTokensResponse(recorded.body);
      if (route === undefined) return notFound(recorded);
      const body = recorded.body ?? {};
      const problem = options.validate?.(body, recorded);
      if (problem !== undefined) return errorResponse(route, 400, "invalid_request_error", problem);
      const tokens = options.contextWindow === undefined ? 0 : requestInputTokens(body);
      if (options.contextWindow !== undefined && tokens > options.contextWindow) {
        overflows.push(recorded);
        return errorResponse(route, 400, "invalid_request_error", `prompt is too long: ${tokens} tokens > ${options.contextWindow} maximum`);
      }
      const reply = await runScript(options.script, recorded, generated++);
      if (reply.delayMs !== undefined) await Bun.sleep(reply.delayMs);
      if (reply.hold !== undefined) await reply.hold.catch(() => {});
      if (reply.error) return errorResponse(route, reply.error.status, reply.error.type, reply.error.message, reply.error.headers);
      if (reply.rawBody !== undefined) return new Response(reply.rawBody, { headers: JSON_HEADERS });
      const message = buildMessage(reply, body, route, ids, options.model ?? DEFAULT_MODEL);
      return route === "anthropic" ? anthropicResponse(message, body.stream === true) : openaiResponse(message, body.stream === true);
    },
  });

  const port = server.port ?? 0;
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await server.stop(true);
  };
  return { url, baseURL: `${url}/v1`, port, requests, overflows, stop, [Symbol.asyncDispose]: stop };
}

/**
 * A throwing script is a test bug: answer 400, which opencode does not retry, so the run stops at once
 * with the message in its error event (a 500 would be retried with backoff).
 */
async function runScript(script: Script, req: RecordedRequest, index: number): Promise<Reply> {
  try {
    return await script(req, index);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: { status: 400, type: "invalid_request_error", message: `mock script threw: ${message}` } };
  }
}

// ---------------------------------------------------------------------------------------------------
// Script helpers

/** Steps of a scripted session: one tool call, or several issued in parallel, per model reply. */
export type ScriptSteps = (ToolCall | ToolCall[])[];

export interface ScriptedToolCallsOptions {
  /** Text of the last main-agent reply, once every scripted call has a result. */
  finalText?: string;
  /** Answer to requests without tools (title generation, compaction summaries). */
  noToolsText?: string;
}

/**
 * A script that plays `steps` in order for main-agent requests (those carrying `tools`): the step
 * played is chosen by how many tool results the request already carries, so retries and the
 * title request in between do not shift it. A step is one call or an array of parallel calls.
 * Requests without tools (title, compaction) get `noToolsText`.
 *
 * Tool results are counted over the whole request, so in a multi-turn session the list spans turns.
 * Pass a function to resolve the steps lazily (e.g. paths only known once the world exists).
 */
export function scriptedToolCalls(steps: ScriptSteps | (() => ScriptSteps), options: ScriptedToolCallsOptions = {}): Script {
  const finalText = options.finalText ?? "All done.";
  const noToolsText = options.noToolsText ?? "Mock session title";
  return (req) => {
    if (!isMainAgentRequest(req)) return { text: noToolsText };
    const step = stepForResultCount(typeof steps === "function" ? steps() : steps, toolResultsOf(req.body).length);
    return step === undefined ? { text: finalText } : { toolCalls: step };
  };
}

function stepForResultCount(steps: ScriptSteps, resultCount: number): ToolCall[] | undefined {
  let seen = 0;
  for (const step of steps) {
    const calls = Array.isArray(step) ? step : [step];
    if (seen === resultCount) return calls;
    seen += calls.length;
    if (seen > resultCount) return undefined;
  }
  return undefined;
}

/** True for requests that offer tools: opencode's main agent, as opposed to title or compaction calls. */
export function isMainAgentRequest(req: RecordedRequest): boolean {
  return req.protocol !== undefined && (req.body?.tools?.length ?? 0) > 0;
}

/**
 * True for opencode's compaction summariser: a tool-less request whose last user text asks for the summary
 * (opencode 1.18.33 ends the serialised conversation with its summary template). Title requests are
 * tool-less too, but do not ask for a summary.
 */
export function isCompactionRequest(req: RecordedRequest): boolean {
  return req.protocol !== undefined && !isMainAgentRequest(req) && COMPACTION_PROMPT.test(lastUserText(req.body));
}

/** Words of opencode's compaction prompt (checked against the requests it sends, see the endurance test). */
const COMPACTION_PROMPT = /summar/i;

/** A tool result as carried by a request, normalised across both protocols. */
export interface ToolResult {
  toolUseId: string;
  /** Text of the result (text blocks joined with newlines). */
  content: string;
  isError: boolean;
}

/** Tool results in a request: Anthropic `tool_result` blocks or OpenAI `role: "tool"` messages. */
export function toolResultsOf(body: RequestBody | undefined): ToolResult[] {
  const results: ToolResult[] = [];
  for (const message of body?.messages ?? []) {
    if (message.role === "tool") {
      results.push({ toolUseId: message.tool_call_id ?? "", content: textOf(message.content), isError: false });
      continue;
    }
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (block.type !== "tool_result") continue;
      results.push({ toolUseId: block.tool_use_id ?? "", content: textOf(block.content), isError: block.is_error === true });
    }
  }
  return results;
}

/** The system prompt of a request: Anthropic's `system`, or OpenAI's system message. */
export function systemTextOf(body: RequestBody | undefined): string {
  if (body?.system !== undefined) return textOf(body.system);
  return textOf((body?.messages ?? []).find((m) => m.role === "system")?.content);
}

/** Text of the last user message that has text (tool-result-only user messages are skipped). */
export function lastUserText(body: RequestBody | undefined): string {
  const users = (body?.messages ?? []).filter((m) => m.role === "user");
  for (const message of users.reverse()) {
    const text = textOf(typeof message.content === "string" ? message.content : message.content?.filter((b) => b.type === "text"));
    if (text.length > 0) return text;
  }
  return "";
}

function textOf(content: string | ContentBlock[] | null | undefined): string {
  if (typeof content === "string") return content;
  if (!content) return "";
  return content.map((block) => (typeof block.content !== "undefined" ? textOf(block.content) : (block.text ?? ""))).join("\n");
}

// ---------------------------------------------------------------------------------------------------
// Request handling

async function recordRequest(request: Request): Promise<RecordedRequest> {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  const path = new URL(request.url).pathname;
  return {
    method: request.method,
    path,
    headers,
    body: await parseBody(request),
    protocol: protocolOf(request.method, path),
    sessionID: headers["x-session-id"],
    time: Date.now(),
  };
}

async function parseBody(request: Request): Promise<RequestBody | undefined> {
  const raw = await request.text();
  if (raw.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? (parsed as RequestBody) : undefined;
  } catch {
    return undefined;
  }
}

function protocolOf(method: string, path: string): Protocol | undefined {
  if (method !== "POST") return undefined;
  if (path.endsWith("/messages")) return "anthropic";
  if (path.endsWith("/chat/completions")) return "openai";
  return undefined;
}

function routeOf(req: RecordedRequest): Protocol | "count_tokens" | undefined {
  if (req.method === "POST" && req.path.endsWith("/messages/count_tokens")) return "count_tokens";
  return req.protocol;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Tokens of what the model would read: system + messages + tools, serialised as sent. */
export function requestInputTokens(body: RequestBody | undefined): number {
  if (!body) return 0;
  return countTokens(JSON.stringify({ system: body.system ?? null, messages: body.messages ?? [], tools: body.tools ?? [] }));
}

function countTokensResponse(body: RequestBody | undefined): Response {
  return Response.json({ input_tokens: requestInputTokens(body) });
}

function notFound(req: RecordedRequest): Response {
  return Response.json({ type: "error", error: { type: "not_found_error", message: `mock: no route for ${req.method} ${req.path}` } }, { status: 404 });
}

function errorResponse(route: Protocol, status: number, type: string, message: string, headers: Record<string, string> = {}): Response {
  const payload = route === "anthropic" ? { type: "error", error: { type, message } } : { error: { message, type, code: null, param: null } };
  return Response.json(payload, { status, headers: { ...JSON_HEADERS, ...headers } });
}

// ---------------------------------------------------------------------------------------------------
// Reply rendering. A reply is first resolved to a protocol-neutral message, then rendered.

interface ResolvedMessage {
  id: string;
  model: string;
  text: string | undefined;
  toolCalls: Required<ToolCall>[];
  stopReason: NonNullable<Reply["stopReason"]>;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  compaction: Reply["compaction"];
  contextManagement: Reply["contextManagement"];
}

function buildMessage(reply: Reply, body: RequestBody, route: Protocol, ids: { tool: number; message: number }, defaultModel: string): ResolvedMessage {
  const prefix = route === "anthropic" ? "toolu_mock_" : "call_mock_";
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({ ...call, id: call.id ?? `${prefix}${String(++ids.tool).padStart(4, "0")}` }));
  return {
    id: `msg_mock_${String(++ids.message).padStart(4, "0")}`,
    model: body.model ?? defaultModel,
    text: reply.text,
    toolCalls,
    stopReason: reply.stopReason ?? (toolCalls.length > 0 ? "tool_use" : "end_turn"),
    inputTokens: reply.usage?.inputTokens ?? requestInputTokens(body),
    outputTokens: reply.usage?.outputTokens ?? OUTPUT_TOKENS,
    cacheReadTokens: reply.usage?.cacheReadTokens ?? 0,
    cacheWriteTokens: reply.usage?.cacheWriteTokens ?? 0,
    compaction: reply.compaction,
    contextManagement: reply.contextManagement,
  };
}

function anthropicContent(message: ResolvedMessage): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  if (message.compaction) blocks.push({ type: "compaction", content: message.compaction.content, encrypted_content: message.compaction.encryptedContent ?? null });
  if (message.text !== undefined) blocks.push({ type: "text", text: message.text });
  for (const call of message.toolCalls) blocks.push({ type: "tool_use", id: call.id, name: call.name, input: call.input });
  return blocks;
}

function anthropicUsage(message: ResolvedMessage): Record<string, number> {
  return {
    input_tokens: message.inputTokens,
    output_tokens: message.outputTokens,
    cache_creation_input_tokens: message.cacheWriteTokens,
    cache_read_input_tokens: message.cacheReadTokens,
  };
}

function anthropicResponse(message: ResolvedMessage, stream: boolean): Response {
  const envelope = { id: message.id, type: "message", role: "assistant", model: message.model, stop_sequence: null };
  if (!stream) {
    const contextManagement = message.contextManagement ? { context_management: message.contextManagement } : {};
    return Response.json({ ...envelope, content: anthropicContent(message), stop_reason: message.stopReason, usage: anthropicUsage(message), ...contextManagement });
  }
  const events: [string, unknown][] = [
    ["message_start", { type: "message_start", message: { ...envelope, content: [], stop_reason: null, usage: { ...anthropicUsage(message), output_tokens: 1 } } }],
  ];
  anthropicContent(message).forEach((block, index) => events.push(...anthropicBlockEvents(block, index)));
  const contextManagement = message.contextManagement ? { context_management: message.contextManagement } : {};
  events.push(["message_delta", { type: "message_delta", delta: { stop_reason: message.stopReason, stop_sequence: null }, usage: anthropicUsage(message), ...contextManagement }]);
  events.push(["message_stop", { type: "message_stop" }]);
  const sse = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  return new Response(sse, { headers: SSE_HEADERS });
}

function anthropicBlockEvents(block: ContentBlock, index: number): [string, unknown][] {
  if (block.type === "compaction") {
    // Shapes from @anthropic-ai/sdk's stream types: a start block without content, then one compaction_delta.
    const delta = { type: "compaction_delta", content: block.content, encrypted_content: block.encrypted_content };
    return [
      ["content_block_start", { type: "content_block_start", index, content_block: { type: "compaction", content: null } }],
      ["content_block_delta", { type: "content_block_delta", index, delta }],
      ["content_block_stop", { type: "content_block_stop", index }],
    ];
  }
  const start: [string, unknown] =
    block.type === "text"
      ? ["content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }]
      : ["content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } }];
  const deltas =
    block.type === "text"
      ? halves(block.text ?? "").map((text) => ({ type: "text_delta", text }))
      : halves(JSON.stringify(block.input)).map((partial_json) => ({ type: "input_json_delta", partial_json }));
  return [
    start,
    ...deltas.map((delta): [string, unknown] => ["content_block_delta", { type: "content_block_delta", index, delta }]),
    ["content_block_stop", { type: "content_block_stop", index }],
  ];
}

/** Splits a string in two chunks so clients really have to concatenate deltas, as with a live API. */
function halves(text: string): string[] {
  if (text.length < 2) return [text];
  const middle = Math.floor(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

const OPENAI_FINISH: Record<ResolvedMessage["stopReason"], string> = { end_turn: "stop", stop_sequence: "stop", tool_use: "tool_calls", max_tokens: "length" };

function openaiUsage(message: ResolvedMessage): Record<string, number> {
  return { prompt_tokens: message.inputTokens, completion_tokens: message.outputTokens, total_tokens: message.inputTokens + message.outputTokens };
}

function openaiResponse(message: ResolvedMessage, stream: boolean): Response {
  const envelope = { id: message.id, created: Math.floor(Date.now() / 1000), model: message.model };
  const finish = OPENAI_FINISH[message.stopReason];
  if (!stream) {
    const tool_calls = message.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.input) } }));
    const choice = { index: 0, message: { role: "assistant", content: message.text ?? null, ...(tool_calls.length > 0 ? { tool_calls } : {}) }, finish_reason: finish };
    return Response.json({ ...envelope, object: "chat.completion", choices: [choice], usage: openaiUsage(message) });
  }
  const chunk = (delta: Record<string, unknown>, finish_reason: string | null = null, extra: Record<string, unknown> = {}): string =>
    `data: ${JSON.stringify({ ...envelope, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason }], ...extra })}\n\n`;
  const chunks = [chunk({ role: "assistant", content: "" })];
  for (const text of halves(message.text ?? "")) if (text.length > 0) chunks.push(chunk({ content: text }));
  message.toolCalls.forEach((call, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }));
    for (const part of halves(JSON.stringify(call.input))) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
  });
  chunks.push(chunk({}, finish, { usage: openaiUsage(message) }));
  chunks.push("data: [DONE]\n\n");
  return new Response(chunks.join(""), { headers: SSE_HEADERS });
}
