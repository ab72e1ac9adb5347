/**
 * @module
 * The opencode.json a test world runs with: mock providers, plugins, and whatever else a test adds.
 */

/** opencode.json content; kept loose because plugin tuples and experimental keys are not in the SDK type. */
export type OpencodeConfig = Record<string, unknown>;

/** A plugin entry: npm spec, path or `file://` URL, optionally with options for the plugin's 2nd argument. */
export type PluginSpec = string | [string, Record<string, unknown>];

/** `file://` URL of the plugin entry in this working tree (resolved from this file, not hard-coded). */
export const WORKING_TREE_PLUGIN = new URL("../../plugin/index.ts", import.meta.url).href;

/** The working-tree plugin as a `plugins` entry, with options for its 2nd argument when given. */
export function workingTreePlugin(options?: Record<string, unknown>): PluginSpec {
  return options === undefined ? WORKING_TREE_PLUGIN : [WORKING_TREE_PLUGIN, options];
}

export interface MockProviderOptions {
  /** Usually `mock.baseURL`, i.e. `http://127.0.0.1:PORT/v1`. */
  baseURL: string;
  /** Provider id in opencode.json. Default "mock". */
  id?: string;
  /** Which AI SDK package opencode uses. Default "anthropic" (`@ai-sdk/anthropic`). */
  api?: "anthropic" | "openai-compatible";
  /** Default "claude-sonnet-mock": a "claude" id turns on opencode's Claude-specific transforms. */
  model?: string;
  /** Default {context: 200_000, output: 8_192}; a small context provokes compaction. */
  limit?: { context: number; output: number };
  apiKey?: string;
  /** Extra provider `options` (merged over baseURL and apiKey). */
  options?: Record<string, unknown>;
}

export interface ConfigInput {
  /** Providers pointing at the mock; the first one's model becomes the default `model`. */
  provider: MockProviderOptions | MockProviderOptions[];
  /** Plugins to load; nothing by default (stock opencode). */
  plugins?: PluginSpec[];
  /** Extra opencode.json keys, applied over the generated ones (`provider` entries are merged). */
  config?: OpencodeConfig;
}

/** The `provider.<id>` block of opencode.json for a mock provider, plus the "id/model" to select it. */
export function mockProviderConfig(options: MockProviderOptions): { id: string; model: string; config: OpencodeConfig } {
  const id = options.id ?? "mock";
  const model = options.model ?? "claude-sonnet-mock";
  const npm = options.api === "openai-compatible" ? "@ai-sdk/openai-compatible" : "@ai-sdk/anthropic";
  const config = {
    npm,
    name: `Mock (${npm})`,
    options: { baseURL: options.baseURL, apiKey: options.apiKey ?? "sk-mock-key", ...options.options },
    models: { [model]: { name: model, tool_call: true, limit: options.limit ?? { context: 200_000, output: 8_192 } } },
  };
  return { id, model: `${id}/${model}`, config };
}

/** The full opencode.json and the "provider/model" it selects by default. */
export function buildConfig(input: ConfigInput): { config: OpencodeConfig; model: string } {
  const providers = (Array.isArray(input.provider) ? input.provider : [input.provider]).map(mockProviderConfig);
  const first = providers[0];
  if (!first) throw new Error("buildConfig: at least one provider is required");
  const extra = input.config ?? {};
  const extraProviders = isRecord(extra.provider) ? extra.provider : {};
  const config: OpencodeConfig = {
    $schema: "https://opencode.ai/config.json",
    model: first.model,
    // The title agent would otherwise pick a "small" model on its own; pin it for determinism.
    small_model: first.model,
    autoupdate: false,
    share: "disabled",
    plugin: input.plugins ?? [],
    ...extra,
    provider: { ...Object.fromEntries(providers.map((p) => [p.id, p.config])), ...extraProviders },
  };
  return { config, model: typeof config.model === "string" ? config.model : first.model };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
