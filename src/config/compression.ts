import { z } from "zod";

/** "provider/model": the provider id as in opencode.json (or opencode's built-in ids), then the model id. */
const ModelRef = z
  .string()
  .regex(/^[^/\s]+\/\S+$/, 'must be "provider/model", e.g. "anthropic/claude-haiku-4-5"');

/** One compression model, or a fallback chain tried in order; the fast compressors always come last. */
const ModelChain = z.union([ModelRef, z.array(ModelRef).min(1)]);

const Endpoint = z
  .object({
    protocol: z
      .enum(["anthropic", "openai"])
      .optional()
      .describe("wire protocol; default from the provider's npm package in opencode.json (@ai-sdk/anthropic: anthropic, else openai)"),
    baseURL: z.string().url().optional().describe("API base URL ending in /v1; default from opencode.json, else the provider's public API"),
    apiKeyEnv: z.string().min(1).optional().describe("environment variable holding the key, when opencode does not know it"),
  })
  .strict();

const Price = z
  .object({
    input: z.number().nonnegative().describe("USD per million input tokens"),
    output: z.number().nonnegative().describe("USD per million output tokens"),
  })
  .strict();

export const CompressionOptions = z
  .object({
    models: z
      .record(z.string().min(1), ModelChain)
      .default({})
      .describe(
        'session provider id, "provider/model" or "*" -> the compression model ("provider/model") or a fallback chain; empty: no model is ever called',
      ),
    minOutputTokens: z
      .number()
      .int()
      .positive()
      .default(1_000)
      .describe("tool outputs smaller than this never go to a compression model (the fast observation is good enough)"),
    maxObservationTokens: z
      .number()
      .int()
      .positive()
      .default(300)
      .describe("the longest observation the model may write (its max_tokens)"),
    concurrency: z.number().int().min(1).max(8).default(2).describe("compression calls in flight at once"),
    timeoutMs: z.number().int().positive().default(30_000).describe("a compression call slower than this is abandoned and retried"),
    maxAttempts: z.number().int().min(1).default(4).describe("attempts per tool output (429, 5xx and timeouts are retried with backoff)"),
    breakerFailures: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe("consecutive failures of one model that open its circuit breaker (no calls to it for breakerCooldownMs)"),
    breakerCooldownMs: z.number().int().positive().default(60_000).describe("how long an open circuit breaker stays open"),
    sessionTokenCap: z
      .number()
      .int()
      .nonnegative()
      .default(200_000)
      .describe("compression tokens (input + output) one session may spend; then calls stop and a notice says so"),
    dailyTokenCap: z
      .number()
      .int()
      .nonnegative()
      .default(2_000_000)
      .describe("compression tokens all sessions may spend per UTC day"),
    sessionUsdCap: z.number().nonnegative().optional().describe("USD one session may spend (needs a price for the model, see prices)"),
    dailyUsdCap: z.number().nonnegative().optional().describe("USD all sessions may spend per UTC day (needs a price for the model)"),
    prices: z
      .record(ModelRef, Price)
      .default({})
      .describe('"provider/model" -> { input, output } USD per million tokens; default: the cost opencode knows for the model, else the list price of its id (src/tokens/prices.ts), else unknown'),
    providers: z
      .record(z.string().min(1), Endpoint)
      .default({})
      .describe("per compression provider id: { protocol, baseURL, apiKeyEnv }, for providers opencode.json does not describe"),
  })
  .strict();

export type CompressionOptions = z.infer<typeof CompressionOptions>;
export type CompressionEndpoint = z.infer<typeof Endpoint>;
export type Price = z.infer<typeof Price>;

/**
 * The compression models for a session's model, most preferred first: "provider/model" wins over "provider",
 * which wins over "*". Empty: the session stays on the fast compressors, and its outputs go to no model.
 */
export function compressionChain(options: CompressionOptions, sessionModel: string): readonly string[] {
  const provider = sessionModel.split("/")[0] ?? sessionModel;
  const chain = options.models[sessionModel] ?? options.models[provider] ?? options.models["*"];
  if (chain === undefined) return [];
  return typeof chain === "string" ? [chain] : chain;
}
