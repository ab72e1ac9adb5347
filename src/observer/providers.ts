/**
 * @module
 * What opencode already knows about a provider, so a compression model needs no setup of its own: the
 * provider block of opencode.json (the `config` hook hands the plugin the live config), the provider as
 * opencode resolved it for a session's own model (`chat.params` carries its key, options and env names),
 * the credentials `opencode auth login` stores (`$XDG_DATA_HOME/opencode/auth.json`, read by opencode
 * 1.18.33 from `Global.Path.data`), and environment variables, looked up as opencode does.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { CompressionEndpoint, Price } from "../config/compression.ts";
import { asRecord } from "../json/record.ts";
import type { Endpoint, Protocol } from "./clients.ts";

/** The public APIs of the two providers opencode ships built in, for when opencode.json names no baseURL. */
const PUBLIC_BASE_URL: Readonly<Record<string, string>> = {
  anthropic: "https://api.anthropic.com/v1",
  openai: "https://api.openai.com/v1",
};
/** opencode's (models.dev) env names for those providers. */
const DEFAULT_ENV: Readonly<Record<string, readonly string[]>> = {
  anthropic: ["ANTHROPIC_API_KEY"],
  openai: ["OPENAI_API_KEY"],
};

interface Known {
  npm?: string;
  baseURL?: string;
  apiKey?: string;
  env?: readonly string[];
  /** model id -> USD per million tokens, from opencode's model cost. */
  prices: Map<string, Price>;
}

const AuthEntry = z.union([
  z.object({ type: z.literal("api"), key: z.string().min(1) }).passthrough(),
  z.object({ type: z.string() }).passthrough(),
]);
const AuthFile = z.record(z.string(), AuthEntry);

/** opencode's credential store: `$XDG_DATA_HOME/opencode/auth.json`, else `~/.local/share/opencode/auth.json`. */
export function opencodeAuthFile(env: Record<string, string | undefined> = process.env): string {
  const dataHome = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(dataHome, "opencode", "auth.json");
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined);

function priceOf(cost: unknown): Price | undefined {
  const c = asRecord(cost);
  return typeof c.input === "number" && typeof c.output === "number" ? { input: c.input, output: c.output } : undefined;
}

export type Resolved = { ok: true; endpoint: Endpoint } | { ok: false; problem: string };

export interface ProviderRegistry {
  /** From the `config` hook: every provider block of opencode.json. */
  learnConfig(config: unknown): void;
  /** From `chat.params`: the provider and model as opencode resolved them for a session. */
  learnLive(provider: unknown, model: unknown): void;
  /** The endpoint of a compression model "provider/model", or why it cannot be reached. */
  resolve(ref: string, override?: CompressionEndpoint): Resolved;
  /** The model's price as opencode knows it. */
  price(ref: string): Price | undefined;
}

export function createProviderRegistry(deps: { env?: Record<string, string | undefined>; authFile?: string } = {}): ProviderRegistry {
  const env = deps.env ?? process.env;
  const authFile = deps.authFile ?? opencodeAuthFile(env);
  const known = new Map<string, Known>();
  const entry = (id: string): Known => {
    let k = known.get(id);
    if (k === undefined) {
      k = { prices: new Map() };
      known.set(id, k);
    }
    return k;
  };

  const storedKey = (id: string): { key?: string; oauth?: boolean } => {
    if (!existsSync(authFile)) return {};
    try {
      const parsed = AuthFile.safeParse(JSON.parse(readFileSync(authFile, "utf8")));
      const found = parsed.success ? parsed.data[id] : undefined;
      if (found === undefined) return {};
      return "key" in found && typeof found.key === "string" && found.type === "api" ? { key: found.key } : { oauth: found.type === "oauth" };
    } catch {
      return {};
    }
  };

  return {
    learnConfig(config) {
      for (const [id, block] of Object.entries(asRecord(asRecord(config).provider))) {
        const b = asRecord(block);
        const options = asRecord(b.options);
        const k = entry(id);
        k.npm = str(b.npm) ?? k.npm;
        k.baseURL = str(options.baseURL) ?? k.baseURL;
        k.apiKey = str(options.apiKey) ?? k.apiKey;
        if (Array.isArray(b.env)) k.env = b.env.filter((e): e is string => typeof e === "string");
        for (const [modelID, model] of Object.entries(asRecord(b.models))) {
          const price = priceOf(asRecord(model).cost);
          if (price) k.prices.set(modelID, price);
        }
      }
    },
    learnLive(provider, model) {
      const info = asRecord(asRecord(provider).info);
      const m = asRecord(model);
      const id = str(info.id) ?? str(m.providerID);
      if (id === undefined) return;
      const k = entry(id);
      const options = asRecord(info.options);
      // opencode's resolved key (env, auth.json or config): the very one the session's own requests use.
      k.apiKey = str(info.key) ?? str(options.apiKey) ?? k.apiKey;
      k.baseURL = str(options.baseURL) ?? k.baseURL;
      k.npm = str(asRecord(m.api).npm) ?? k.npm;
      if (Array.isArray(info.env)) k.env = info.env.filter((e): e is string => typeof e === "string");
      const price = priceOf(m.cost);
      if (price && str(m.id)) k.prices.set(m.id as string, price);
    },
    resolve(ref, override = {}) {
      const slash = ref.indexOf("/");
      const id = ref.slice(0, slash);
      const model = ref.slice(slash + 1);
      const k: Known = known.get(id) ?? { prices: new Map() };
      const protocol: Protocol =
        override.protocol ?? (k.npm === "@ai-sdk/anthropic" || (k.npm === undefined && id === "anthropic") ? "anthropic" : "openai");
      const baseURL = override.baseURL ?? k.baseURL ?? PUBLIC_BASE_URL[id];
      if (baseURL === undefined) {
        return { ok: false, problem: `no baseURL for compression provider "${id}": add it to opencode.json (provider.${id}.options.baseURL) or to compression.providers.${id}.baseURL` };
      }
      const fromEnv = (names: readonly string[] | undefined) => names?.map((name) => str(env[name])).find((v) => v !== undefined);
      const stored = storedKey(id);
      const apiKey =
        (override.apiKeyEnv !== undefined ? str(env[override.apiKeyEnv]) : undefined) ??
        k.apiKey ??
        stored.key ??
        fromEnv(k.env ?? DEFAULT_ENV[id]);
      if (apiKey === undefined && PUBLIC_BASE_URL[id] === baseURL) {
        const why = stored.oauth
          ? `opencode holds an OAuth login (a subscription) for "${id}", which Endless does not use`
          : `no API key for compression provider "${id}"`;
        return { ok: false, problem: `${why}: run \`opencode auth login\` with an API key, set ${(k.env ?? DEFAULT_ENV[id] ?? ["its key variable"]).join(" or ")}, or set compression.providers.${id}.apiKeyEnv` };
      }
      return { ok: true, endpoint: { protocol, baseURL, model, ...(apiKey !== undefined ? { apiKey } : {}) } };
    },
    price(ref) {
      const slash = ref.indexOf("/");
      return known.get(ref.slice(0, slash))?.prices.get(ref.slice(slash + 1));
    },
  };
}
