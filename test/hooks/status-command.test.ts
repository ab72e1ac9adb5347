import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openArchiveReadOnly } from "../../src/archive/open.ts";
import { requestTotals } from "../../src/archive/requests.ts";
import { COMMAND_HANDLED, STATUS_COMMAND } from "../../src/hooks/command.ts";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { NOTABLE_FREED_TOKENS } from "../../src/hooks/request-log.ts";
import { formatStatus } from "../../src/hooks/status.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { tmpdir } from "../fake/tmp.ts";

/** A client that records what the plugin posts (the command's answer) and shows (toasts). */
function fakeClient() {
  const posted: { sessionID: string; parts: { type: string; text: string; ignored?: boolean }[]; noReply?: boolean }[] = [];
  const toasts: { message: string; variant: string }[] = [];
  const client = {
    app: { log: async () => ({}) },
    tui: { showToast: async (input: { body: { message: string; variant: string } }) => toasts.push(input.body) },
    session: {
      prompt: async (input: { path: { id: string }; body: { noReply?: boolean; parts: never[] } }) => {
        posted.push({ sessionID: input.path.id, noReply: input.body.noReply, parts: input.body.parts });
        return { data: {} };
      },
      messages: async () => ({
        data: [{ info: { role: "assistant", tokens: { input: 1200, output: 50, reasoning: 0, cache: { read: 30_000, write: 800 } } }, parts: [] }],
      }),
    },
  };
  return { client: client as never, posted, toasts };
}

const bigOutput = (tag: string, lines = 400) =>
  Array.from({ length: lines }, (_, i) => `${tag}: line ${i} with some words and a number ${i * 31}`).join("\n");

const chatParamsInput = (sessionID: string) =>
  ({ sessionID, agent: "build", model: { providerID: "mock", id: "claude-sonnet-mock", limit: { context: 200_000, output: 8_192 }, api: { npm: "@ai-sdk/anthropic" } }, provider: {}, message: {} }) as never;

async function runCommand(hooks: Awaited<ReturnType<typeof createEndlessHooks>>, sessionID: string): Promise<unknown> {
  return hooks["command.execute.before"]!({ command: STATUS_COMMAND, sessionID, arguments: "" }, { parts: [] }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("/endless", () => {
  test("is registered through the config hook, next to the user's own commands", async () => {
    using dir = tmpdir();
    const { client } = fakeClient();
    const hooks = await createEndlessHooks({ client }, { archivePath: join(dir.path, "a.db") }, () => {});
    const config: { command?: Record<string, { template: string }> } = { command: { mine: { template: "hi" } } };
    await hooks.config!(config as never);
    expect(Object.keys(config.command!).sort()).toEqual([STATUS_COMMAND, "mine"]);
    expect(config.command![STATUS_COMMAND]!.template).toBe("");
  });

  test("answers with the session's figures as ignored text and stops opencode from calling the model", async () => {
    using dir = tmpdir();
    const archivePath = join(dir.path, "a.db");
    const { client, posted, toasts } = fakeClient();
    const hooks = await createEndlessHooks({ client }, { archivePath, highWaterTokens: 2000, keepLast: 2 }, () => {});
    const messages: Msg[] = [userText("ses_s", "go")];
    for (let i = 0; i < 8; i++) {
      messages.push(assistantWithTools("ses_s", [{ callID: `toolu_${i}`, tool: "bash", input: { command: `c${i}` }, output: bigOutput(`out${i}`) }]));
      await hooks["chat.params"]!(chatParamsInput("ses_s"), { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} });
      await hooks["experimental.chat.messages.transform"]!({}, { messages: structuredClone(messages) });
    }
    const other = { parts: [{ type: "text", text: "keep" }] };
    await hooks["command.execute.before"]!({ command: "review", sessionID: "ses_s", arguments: "" }, other as never);
    expect(other.parts).toEqual([{ type: "text", text: "keep" }]);

    const error = await runCommand(hooks, "ses_s");
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(COMMAND_HANDLED);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.noReply).toBe(true);
    expect(posted[0]!.parts).toHaveLength(1);
    expect(posted[0]!.parts[0]!.ignored).toBe(true);
    const text = posted[0]!.parts[0]!.text;

    const db = openArchiveReadOnly(archivePath);
    const totals = requestTotals(db, "ses_s");
    db.close();
    expect(totals.requests).toBe(8);
    expect(totals.savedTokens).toBeGreaterThan(0);
    expect(text).toContain("Endless: on");
    expect(text).toContain(archivePath);
    expect(text).toContain(`${totals.savedTokens.toLocaleString("en-US")} in this session over 8 requests`);
    expect(text).toMatch(/cache\s+[1-9]\d* rewrites caused by Endless/);
    expect(text).toContain("no compression model configured");
    expect(text).toMatch(/folds +none yet: every turn is sent \(usable window [\d,]+ tokens\)/);
    expect(text).toContain("32,000 of 200,000 tokens (16%) on mock/claude-sonnet-mock");
    expect(text).toContain("none (stock opencode)");
    // Each batch that freed a notable amount was shown once, as it happened.
    expect(toasts.length).toBeGreaterThan(0);
    for (const toast of toasts) {
      const freed = Number(/freed ([\d,]+) tokens/.exec(toast.message)![1]!.replaceAll(",", ""));
      expect(freed).toBeGreaterThanOrEqual(NOTABLE_FREED_TOKENS);
    }
  });

  test("a damaged archive: Endless stays on with a fresh one, /endless says so, and the toast comes once", async () => {
    using dir = tmpdir();
    const archivePath = join(dir.path, "a.db");
    writeFileSync(archivePath, "not a database ".repeat(200));
    const { client, posted, toasts } = fakeClient();
    const hooks = await createEndlessHooks({ client }, { archivePath }, () => {});
    for (let i = 0; i < 3; i++) {
      await hooks["chat.params"]!(chatParamsInput("ses_o"), { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} });
    }
    expect(toasts).toHaveLength(1);
    expect(toasts[0]!.message).toContain("moved aside to");
    expect(((await runCommand(hooks, "ses_o")) as Error).message).toBe(COMMAND_HANDLED);
    const text = posted[0]!.parts[0]!.text;
    expect(text).toStartWith("Endless: on (archive open; options valid)");
    expect(text).toContain(archivePath);
  });

  test("enabled: false leaves only /endless (and the window it shows), which says OFF and why", async () => {
    using dir = tmpdir();
    const { client, posted, toasts } = fakeClient();
    const hooks = await createEndlessHooks({ client }, { archivePath: join(dir.path, "a.db"), enabled: false }, () => {});
    expect(Object.keys(hooks).sort()).toEqual(["chat.params", "command.execute.before", "config"]);
    await hooks["chat.params"]!(chatParamsInput("ses_f"), { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} });
    expect(((await runCommand(hooks, "ses_f")) as Error).message).toBe(COMMAND_HANDLED);
    const text = posted[0]!.parts[0]!.text;
    expect(text).toStartWith("Endless: OFF (the enabled option is false)");
    expect(text).toContain("on mock/claude-sonnet-mock");
    expect(toasts).toHaveLength(0);
  });

  test("a side agent's call (title, on a small model) moves neither the window /endless shows nor the fold's usable window", async () => {
    using dir = tmpdir();
    const { client, posted } = fakeClient();
    const hooks = await createEndlessHooks({ client }, { archivePath: join(dir.path, "a.db") }, () => {});
    const params = { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} };
    await hooks["chat.params"]!(chatParamsInput("ses_t"), params);
    const title = { sessionID: "ses_t", agent: "title", model: { providerID: "mock", id: "small-mock", limit: { context: 8_000, output: 1_000 } }, provider: {}, message: {} };
    await hooks["chat.params"]!(title as never, { ...params, options: {} });
    await runCommand(hooks, "ses_t");
    const text = posted[0]!.parts[0]!.text;
    expect(text).toContain("of 200,000 tokens (16%) on mock/claude-sonnet-mock");
    expect(text).toContain("(usable window 191,808 tokens)");
    expect(text).not.toContain("small-mock");
  });

  test("enabled: false: a call whose model cannot be read passes through chat.params, said in the log, not thrown", async () => {
    using dir = tmpdir();
    const { client } = fakeClient();
    const lines: string[] = [];
    const hooks = await createEndlessHooks({ client }, { archivePath: join(dir.path, "a.db"), enabled: false }, (_level, message) => lines.push(message));
    const model = {
      providerID: "mock",
      id: "m",
      get limit(): never {
        throw new Error("limit unreadable");
      },
    };
    const output = { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} };
    await hooks["chat.params"]!({ sessionID: "ses_x", agent: "build", model, provider: {}, message: {} } as never, output);
    expect(output.options).toEqual({});
    expect(lines.some((line) => line.includes("limit unreadable"))).toBe(true);
  });

  test("a bad option: /endless names the key that fell back to its default", async () => {
    using dir = tmpdir();
    const { client, posted } = fakeClient();
    const hooks = await createEndlessHooks({ client }, { archivePath: join(dir.path, "a.db"), keepLast: "three" }, () => {});
    await runCommand(hooks, "ses_k");
    expect(posted[0]!.parts[0]!.text).toMatch(/^Endless: on \(archive open; 1 options fell back to their defaults \(option "keepLast"/);
  });
});

describe("formatStatus", () => {
  test("writes counts rounded, as `endless stats` does, and dollars with four places", () => {
    const text = formatStatus({
      on: true,
      reason: "archive open; options valid",
      session: { id: "ses_f", outputsArchived: 3, compressed: 2, savedTokens: 12_345.6, requests: 4, savedPerRequestNow: 99.5, batches: 1 },
      total: { sessions: 1, outputsArchived: 3, savedTokens: 12_345.6, batches: 1 },
      compression: {
        spent: { calls: 2, inputTokens: 1500.2, outputTokens: 300, costUsd: 0.01234, unpricedCalls: 0 },
        jobs: { pending: 0, running: 0, done: 2, failed: 0, skipped: 0 },
        llmRendered: 2,
        savedTokensPerRequest: 10,
        swaps: 1,
        swapCacheWriteTokens: 100,
      },
      window: { model: "mock/m", context: 200_000, used: 31_999.7 },
      patches: [],
    });
    expect(text).toContain("12,346 in this session over 4 requests (100 fewer per request now), 12,346 in all");
    expect(text).toContain("2 model calls, 1,500 in + 300 out tokens, $0.0123;");
    expect(text).toContain("32,000 of 200,000 tokens (16%) on mock/m");
    expect(text).not.toMatch(/\d\.\d{1,3}\b(?! KB| MB)/);
  });
});
