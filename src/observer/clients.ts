/**
 * @module
 * The two ways Endless calls a compression model, straight to the provider's API (no opencode session is
 * created, so nothing appears in the user's session list): Anthropic's Messages API through
 * `@anthropic-ai/sdk`, and any OpenAI-compatible `/chat/completions` (OpenAI, Ollama, LM Studio, vLLM, …)
 * through fetch. Neither retries on its own: the queue decides retries, with backoff and `retry-after`.
 */
import Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";

export type Protocol = "anthropic" | "openai";

/** Where and how to reach one compression model. */
export interface Endpoint {
  readonly protocol: Protocol;
  /** Base URL ending in /v1, as opencode's provider options spell it. */
  readonly baseURL: string;
  readonly apiKey?: string;
  /** The model id the API takes (without the provider prefix). */
  readonly model: string;
}

export interface ModelRequest {
  readonly system: string;
  readonly prompt: string;
  readonly maxTokens: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface ModelReply {
  readonly text: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export type FailureKind = "timeout" | "rate-limited" | "server" | "network" | "rejected" | "malformed" | "aborted";

/** A failed call: `retryable` for 429, 5xx, timeouts and dropped connections, the ones worth another try. */
export class ModelCallError extends Error {
  override readonly name = "ModelCallError";
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.kind === "timeout" || this.kind === "rate-limited" || this.kind === "server" || this.kind === "network";
  }
}

/** `retry-after` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function statusFailure(status: number, detail: string, retryAfter: string | null | undefined): ModelCallError {
  const wait = retryAfterMs(retryAfter);
  if (status === 429) return new ModelCallError("rate-limited", `HTTP 429: ${detail}`, wait);
  if (status >= 500) return new ModelCallError("server", `HTTP ${status}: ${detail}`, wait);
  return new ModelCallError("rejected", `HTTP ${status}: ${detail}`);
}

/** Calls the model once and returns its text and usage, or throws a ModelCallError. */
export function callModel(endpoint: Endpoint, request: ModelRequest): Promise<ModelReply> {
  return endpoint.protocol === "anthropic" ? callAnthropic(endpoint, request) : callOpenAI(endpoint, request);
}

async function callAnthropic(endpoint: Endpoint, request: ModelRequest): Promise<ModelReply> {
  // The SDK appends /v1/messages itself; opencode's baseURL for Anthropic already ends in /v1.
  const client = new Anthropic({
    apiKey: endpoint.apiKey ?? null,
    baseURL: endpoint.baseURL.replace(/\/v1\/?$/, ""),
    maxRetries: 0,
    timeout: request.timeoutMs,
  });
  try {
    const message = await client.messages.create(
      {
        model: endpoint.model,
        max_tokens: request.maxTokens,
        system: request.system,
        messages: [{ role: "user", content: request.prompt }],
      },
      { signal: request.signal },
    );
    const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
    return { text, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
  } catch (error) {
    if (error instanceof Anthropic.APIUserAbortError) throw new ModelCallError("aborted", "the call was abandoned");
    if (error instanceof Anthropic.APIConnectionTimeoutError) throw new ModelCallError("timeout", `no answer within ${request.timeoutMs} ms`);
    if (error instanceof Anthropic.APIConnectionError) throw new ModelCallError("network", error.message);
    if (error instanceof Anthropic.APIError && typeof error.status === "number") {
      throw statusFailure(error.status, error.apiMessage ?? error.message, error.headers?.get("retry-after"));
    }
    // A 200 whose body is not a message (the SDK fails reading it).
    throw new ModelCallError("malformed", `unreadable response: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const ChatCompletion = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullable().optional() }) }))
    .min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).optional(),
});

async function callOpenAI(endpoint: Endpoint, request: ModelRequest): Promise<ModelReply> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (endpoint.apiKey !== undefined) headers.authorization = `Bearer ${endpoint.apiKey}`;
  const body = {
    model: endpoint.model,
    max_tokens: request.maxTokens,
    stream: false,
    messages: [
      { role: "system", content: request.system },
      { role: "user", content: request.prompt },
    ],
  };
  let response: Response;
  let raw: string;
  try {
    response = await fetch(`${endpoint.baseURL.replace(/\/$/, "")}/chat/completions`, { method: "POST", headers, body: JSON.stringify(body), signal });
    raw = await response.text();
  } catch (error) {
    if (timeout.aborted) throw new ModelCallError("timeout", `no answer within ${request.timeoutMs} ms`);
    if (request.signal?.aborted) throw new ModelCallError("aborted", "the call was abandoned");
    throw new ModelCallError("network", error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw statusFailure(response.status, raw.slice(0, 200), response.headers.get("retry-after"));
  let parsed: z.infer<typeof ChatCompletion>;
  try {
    parsed = ChatCompletion.parse(JSON.parse(raw));
  } catch {
    throw new ModelCallError("malformed", `not a chat completion: ${JSON.stringify(raw.slice(0, 80))}`);
  }
  return {
    text: parsed.choices[0]!.message.content ?? "",
    inputTokens: parsed.usage?.prompt_tokens ?? 0,
    outputTokens: parsed.usage?.completion_tokens ?? 0,
  };
}
