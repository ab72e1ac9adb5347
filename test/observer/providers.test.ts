import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { opencodeAuthFile, createProviderRegistry } from "../../src/observer/providers.ts";
import { tmpdir } from "../fake/tmp.ts";

describe("the provider registry: what opencode already knows", () => {
  test("opencode.json's provider block gives protocol, base URL, key and price", () => {
    const registry = createProviderRegistry({ env: {}, authFile: "/nonexistent" });
    registry.learnConfig({
      provider: {
        local: { npm: "@ai-sdk/openai-compatible", options: { baseURL: "http://127.0.0.1:11434/v1" }, models: { qwen: { cost: { input: 0, output: 0 } } } },
        proxy: { npm: "@ai-sdk/anthropic", options: { baseURL: "http://127.0.0.1:9/v1", apiKey: "sk-config" } },
      },
    });
    expect(registry.resolve("local/qwen")).toEqual({ ok: true, endpoint: { protocol: "openai", baseURL: "http://127.0.0.1:11434/v1", model: "qwen" } });
    expect(registry.resolve("proxy/claude-haiku-4-5")).toEqual({
      ok: true,
      endpoint: { protocol: "anthropic", baseURL: "http://127.0.0.1:9/v1", model: "claude-haiku-4-5", apiKey: "sk-config" },
    });
    expect(registry.price("local/qwen")).toEqual({ input: 0, output: 0 });
  });

  test("a key stored by `opencode auth login` in auth.json is used for a provider with none in the config", () => {
    using dir = tmpdir({ "opencode/auth.json": JSON.stringify({ anthropic: { type: "api", key: "sk-stored" }, openai: { type: "oauth", refresh: "r", access: "a", expires: 1 } }) });
    const env = { XDG_DATA_HOME: dir.path };
    expect(opencodeAuthFile(env)).toBe(join(dir.path, "opencode", "auth.json"));
    const registry = createProviderRegistry({ env });
    const anthropic = registry.resolve("anthropic/claude-haiku-4-5");
    expect(anthropic).toEqual({ ok: true, endpoint: { protocol: "anthropic", baseURL: "https://api.anthropic.com/v1", model: "claude-haiku-4-5", apiKey: "sk-stored" } });
    const openai = registry.resolve("openai/gpt-5-mini");
    expect(openai.ok).toBe(false);
    if (!openai.ok) expect(openai.problem).toContain("OAuth login");
  });

  test("environment variables as opencode reads them, and the plugin's own apiKeyEnv override", () => {
    const registry = createProviderRegistry({ env: { OPENAI_API_KEY: "sk-env", MY_KEY: "sk-mine" }, authFile: "/nonexistent" });
    expect(registry.resolve("openai/gpt-5-mini")).toMatchObject({ ok: true, endpoint: { apiKey: "sk-env", protocol: "openai" } });
    expect(registry.resolve("openai/gpt-5-mini", { apiKeyEnv: "MY_KEY" })).toMatchObject({ ok: true, endpoint: { apiKey: "sk-mine" } });
    const none = createProviderRegistry({ env: {}, authFile: "/nonexistent" }).resolve("anthropic/claude-haiku-4-5");
    expect(none).toMatchObject({ ok: false });
    if (!none.ok) expect(none.problem).toContain("ANTHROPIC_API_KEY");
  });

  test("the provider as opencode resolved it for a session (chat.params) carries its key", () => {
    const registry = createProviderRegistry({ env: {}, authFile: "/nonexistent" });
    registry.learnLive(
      { source: "env", info: { id: "anthropic", key: "sk-live", env: ["ANTHROPIC_API_KEY"], options: {} } },
      { providerID: "anthropic", id: "claude-sonnet-4-5", api: { npm: "@ai-sdk/anthropic" }, cost: { input: 3, output: 15 } },
    );
    expect(registry.resolve("anthropic/claude-haiku-4-5")).toMatchObject({ ok: true, endpoint: { apiKey: "sk-live", protocol: "anthropic" } });
    expect(registry.price("anthropic/claude-sonnet-4-5")).toEqual({ input: 3, output: 15 });
  });

  test("an unknown provider without a base URL is refused with the fix", () => {
    const resolved = createProviderRegistry({ env: {}, authFile: "/nonexistent" }).resolve("nowhere/model");
    expect(resolved).toMatchObject({ ok: false });
    if (!resolved.ok) expect(resolved.problem).toContain("compression.providers.nowhere.baseURL");
  });
});
