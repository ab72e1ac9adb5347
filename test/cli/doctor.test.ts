import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";
import { type MockServer, startMockAnthropic } from "../../src/harness/mock-anthropic.ts";
import { tmpdir } from "../fake/tmp.ts";

const OPENCODE = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));
const PLUGIN = new URL("../../plugin/index.ts", import.meta.url).href;

async function doctor(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(["doctor", "--opencode", OPENCODE, ...args], { out: (t) => out.push(t), err: (t) => out.push(t) });
  return { code, out: out.join("\n") };
}

/** A project whose opencode.json loads Endless with these options. */
function project(options: unknown) {
  return tmpdir({ "opencode.json": JSON.stringify({ plugin: [[PLUGIN, options]] }) });
}

const mocks: MockServer[] = [];
afterEach(async () => {
  delete process.env.ENDLESS_TEST_CMP_KEY;
  for (const m of mocks.splice(0)) await m.stop();
});

describe("endless doctor: options and compression models", () => {
  test("a bad key is a problem to fix, named with its fix, while the other checks still run", async () => {
    using dir = project({ keepLast: "three", archivePath: "/nonexistent/a.db" });
    const { code, out } = await doctor(["--project", dir.path]);
    expect(code).toBe(1);
    expect(out).toMatch(/^FIX {2}options {6}option "keepLast"/m);
    expect(out).toContain("until fixed, the default applies");
    expect(out).toMatch(/^warn archive {6}\/nonexistent\/a\.db does not exist yet/m);
  }, 60_000);

  test("each compression model is resolved; --probe sends it one request, and one that cannot be reached is named", async () => {
    const model = startMockAnthropic({ script: () => ({ text: "ok" }) });
    mocks.push(model);
    process.env.ENDLESS_TEST_CMP_KEY = "sk-test";
    using dir0 = tmpdir();
    using dir = project({
      compression: {
        models: { anthropic: "cmp/claude-haiku-mock", "*": ["cmp/claude-haiku-mock", "nowhere/some-model"] },
        providers: { cmp: { protocol: "anthropic", baseURL: model.baseURL, apiKeyEnv: "ENDLESS_TEST_CMP_KEY" } },
      },
      archivePath: join(dir0.path, "a.db"),
    });
    const plain = await doctor(["--project", dir.path]);
    expect(plain.out).toMatch(new RegExp(`^ok {3}compression cmp/claude-haiku-mock anthropic API at ${model.baseURL.replaceAll(".", "\\.")} \\(--probe`, "m"));
    expect(plain.out).toMatch(/^FIX {2}compression nowhere\/some-model no baseURL for compression provider "nowhere"/m);
    expect(model.requests).toHaveLength(0);

    const probed = await doctor(["--project", dir.path, "--probe"]);
    expect(probed.code).toBe(1);
    expect(probed.out).toMatch(/compression cmp\/claude-haiku-mock anthropic API at .*: answered a one-token probe in \d+ ms/);
    expect(model.requests.map((r) => [r.path, r.body?.max_tokens])).toEqual([["/v1/messages", 1]]);
  }, 60_000);

  test("a compression model that refuses the probe is a problem naming the fix", async () => {
    const model = startMockAnthropic({ script: () => ({ text: "ok" }), validate: () => "invalid x-api-key" });
    mocks.push(model);
    process.env.ENDLESS_TEST_CMP_KEY = "sk-test";
    using dir = project({ compression: { models: { "*": "cmp/claude-haiku-mock" }, providers: { cmp: { protocol: "anthropic", baseURL: model.baseURL, apiKeyEnv: "ENDLESS_TEST_CMP_KEY" } } } });
    const { code, out } = await doctor(["--project", dir.path, "--probe"]);
    expect(code).toBe(1);
    expect(out).toMatch(/^FIX {2}compression cmp\/claude-haiku-mock .*the probe failed .*check the key and the base URL/m);
  }, 60_000);
});
