import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { DIGEST_MARK } from "../../src/ledger/digest.ts";
import { NOTABLE_FREED_TOKENS } from "../../src/hooks/request-log.ts";
import type { Level } from "../../src/log/logger.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { countTokens } from "../../src/tokens/count.ts";
import { tmpdir } from "../fake/tmp.ts";

const client = { app: { log: async () => ({}) }, tui: { showToast: async () => ({}) } } as never;
const SESSION = "ses_fold";
const LIMIT = { context: 32_000, output: 4_096 };
/** usable = 32000 - min(4096, 32000) */
const USABLE = 27_904;
/** A hundred transforms of a growing session, on a busy machine. */
const TIMEOUT = 60_000;

/** A bash output of about `tokens` tokens, distinct per call. */
const output = (i: number, lines = 150) => Array.from({ length: lines }, (_, l) => `step ${i} line ${l}: value=${(i * 7919 + l * 104729) % 1_000_003} ok`).join("\n");

async function hooksFor(path: string, options: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const hooks = await createEndlessHooks({ client, directory: "/p" }, { archivePath: path, ...options }, (_l: Level, m: string) => lines.push(m));
  return { hooks, lines };
}

async function learnWindow(hooks: Awaited<ReturnType<typeof hooksFor>>["hooks"]) {
  const model = { providerID: "mock", id: "m", limit: LIMIT, api: { npm: "@ai-sdk/openai-compatible" } };
  await hooks["chat.params"]!({ sessionID: SESSION, agent: "build", model, provider: {}, message: {} } as never, { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} });
}

const sentTokens = (messages: Msg[]) => messages.reduce((n, m) => n + m.parts.reduce((k, p) => k + countTokens(JSON.stringify(p)), 0), 0);

/** The session grows by one bash step per request; each request is transformed on a copy, as opencode does. */
async function play(hooks: Awaited<ReturnType<typeof hooksFor>>["hooks"], steps: number) {
  const history: Msg[] = [userText(SESSION, "Make the build pass and keep the changelog up to date")];
  const requests: Msg[][] = [];
  for (let i = 0; i < steps; i++) {
    const call =
      i % 10 === 3
        ? { callID: `toolu_${i}`, tool: "edit", input: { filePath: `/p/src/file${i}.ts`, oldString: "a", newString: "b" }, output: "Edit applied successfully." }
        : { callID: `toolu_${i}`, tool: "bash", input: { command: `make step${i}` }, output: output(i) };
    history.push(assistantWithTools(SESSION, [call]));
    const copy = { messages: structuredClone(history) };
    await hooks["experimental.chat.messages.transform"]!({}, copy);
    requests.push(copy.messages);
  }
  return { history, requests };
}

describe("folding in the transform", () => {
  test("a fold that frees a notable amount is shown once as a toast, with what it freed", async () => {
    using dir = tmpdir();
    const toasts: string[] = [];
    const lines: string[] = [];
    const toastClient = { app: { log: async () => ({}) }, tui: { showToast: async (t: { body: { message: string } }) => toasts.push(t.body.message) } } as never;
    const hooks = await createEndlessHooks({ client: toastClient, directory: "/p" }, { archivePath: join(dir.path, "a.db") }, (_l: Level, m: string) => lines.push(m));
    await learnWindow(hooks);
    await play(hooks, 200);
    const folds = lines.filter((l) => / fold \d+: \d+ messages/.test(l)).length;
    const foldToasts = toasts.filter((t) => t.startsWith("fold "));
    expect(foldToasts.length).toBeGreaterThan(0);
    expect(foldToasts.length).toBeLessThanOrEqual(folds);
    for (const t of foldToasts) {
      expect(t).toMatch(/^fold \d+ freed [\d,]+ tokens: \d+ older messages are sent as the session ledger/);
      expect(Number(/freed ([\d,]+)/.exec(t)![1]!.replaceAll(",", ""))).toBeGreaterThanOrEqual(NOTABLE_FREED_TOKENS);
    }
  }, TIMEOUT);

  test("a session past the window's high mark is folded into one digest message; the prefix holds between folds", async () => {
    using dir = tmpdir();
    const { hooks, lines } = await hooksFor(join(dir.path, "a.db"));
    await learnWindow(hooks);
    const { history, requests } = await play(hooks, 200);
    const folds = lines.filter((l) => l.includes(": fold "));
    expect(folds.length).toBeGreaterThan(1);
    const last = requests.at(-1)!;
    expect(last.length).toBeLessThan(history.length);
    expect(last[0]!.info.id).toBe(history[0]!.info.id);
    const digest = last[1]!;
    expect(digest.info.role).toBe("user");
    const text = (digest.parts[0] as { text: string }).text;
    expect(text.startsWith(DIGEST_MARK)).toBe(true);
    expect(text).toContain("Goal (the first request): Make the build pass");
    expect(text).toContain("src/file3.ts: edited 1x, last toolu_3");
    // Every request stays under the ceiling (85% of usable), counted as JSON of its parts (more than the hook counts).
    for (const r of requests) expect(sentTokens(r)).toBeLessThan(USABLE * 0.85);
    // Between folds, each request starts with the one before byte for byte (a batch of observations aside).
    let shared = 0;
    for (let k = 1; k < requests.length; k++) {
      const before = JSON.stringify(requests[k - 1]);
      const after = JSON.stringify(requests[k]!.slice(0, requests[k - 1]!.length));
      if (before === after) shared++;
    }
    expect(shared).toBeGreaterThan(requests.length / 2);
    // opencode's stored history is never changed.
    expect(history.every((m) => m.parts.every((p) => p.type !== "tool" || !(p.state as { output: string }).output.includes("[endless:")))).toBe(true);
  }, TIMEOUT);

  test("after a restart the same messages are sent byte for byte (ledger, digest and fold state come from the archive), and a folded call whose archive row was lost is archived again", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    const first = await hooksFor(path);
    await learnWindow(first.hooks);
    const { history, requests } = await play(first.hooks, 140);
    await first.hooks.dispose!();
    expect(first.lines.some((l) => l.includes(": fold "))).toBe(true);
    const lost = "toolu_1";
    expect(JSON.stringify(requests.at(-1))).not.toContain(`"callID":"${lost}"`);
    {
      using db = new Database(path);
      db.run("PRAGMA foreign_keys = ON");
      expect(db.query("DELETE FROM tool_calls WHERE session_id = ? AND call_id = ?").run(SESSION, lost).changes).toBe(1);
    }
    const again = await hooksFor(path);
    const copy = { messages: structuredClone(history) };
    await again.hooks["experimental.chat.messages.transform"]!({}, copy);
    await again.hooks.dispose!();
    expect(JSON.stringify(copy.messages)).toBe(JSON.stringify(requests.at(-1)));
    // Folded calls are not shaped, but the first request after a restart still archives those the archive lacks.
    using db = new Database(path, { readonly: true });
    const row = db.query<{ output: string }, [string, string]>("SELECT output FROM tool_calls WHERE session_id = ? AND call_id = ?").get(SESSION, lost);
    expect(row?.output).toBe(output(1));
    expect(again.lines.some((l) => l.includes("archived 1 outputs from opencode's own copy"))).toBe(true);
  }, TIMEOUT);

  test("while the fold stays, only what it sends is shaped: the request log counts folded outputs as what stock would send, not as sent", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    const { hooks, lines } = await hooksFor(path);
    await learnWindow(hooks);
    const history: Msg[] = [userText(SESSION, "Make the build pass and keep the changelog up to date")];
    const counted = new Map<string, number>();
    const count = (text: string) => counted.get(text) ?? counted.set(text, countTokens(text)).get(text)!;
    const toolTokens = (messages: Msg[]) =>
      messages.flatMap((m) => m.parts).reduce((n, p) => n + (p.type === "tool" && p.state.status === "completed" ? count(p.state.output) : 0), 0);
    const expected: { request: number; sent: number; raw: number }[] = [];
    for (let i = 0; i < 200; i++) {
      history.push(assistantWithTools(SESSION, [{ callID: `toolu_${i}`, tool: "bash", input: { command: `make step${i}` }, output: output(i) }]));
      const copy = { messages: structuredClone(history) };
      const before = lines.length;
      await hooks["experimental.chat.messages.transform"]!({}, copy);
      const moved = lines.slice(before).some((l) => l.includes(": fold "));
      // A request whose fold stays, once something is folded: what it sends is what its log row says.
      if (!moved && copy.messages.length < history.length) expected.push({ request: i, sent: toolTokens(copy.messages), raw: toolTokens(history) });
    }
    await hooks.dispose!();
    expect(expected.length).toBeGreaterThan(100);
    using db = new Database(path, { readonly: true });
    const rows = db.query<{ sent: number; raw: number }, [string]>("SELECT tool_tokens_sent AS sent, tool_tokens_raw AS raw FROM requests WHERE session_id = ? ORDER BY id").all(SESSION);
    expect(rows).toHaveLength(200);
    for (const { request, sent, raw } of expected) expect({ request, ...rows[request]! }).toEqual({ request, sent, raw });
  }, TIMEOUT);

  test("a fold move leaves its ledger write to idle time; killed before it, a restart sends the same bytes and rebuilds the same ledger", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    const first = await hooksFor(path);
    await learnWindow(first.hooks);
    const history: Msg[] = [userText(SESSION, "Make the build pass and keep the changelog up to date")];
    let sent: Msg[] | undefined;
    // Steps until a fold moves on a request well into the session (bounded).
    for (let i = 0; i < 400 && sent === undefined; i++) {
      history.push(assistantWithTools(SESSION, [{ callID: `toolu_${i}`, tool: "bash", input: { command: `make step${i}` }, output: output(i) }]));
      const copy = { messages: structuredClone(history) };
      const before = first.lines.length;
      await first.hooks["experimental.chat.messages.transform"]!({}, copy);
      if (i >= 100 && first.lines.slice(before).some((l) => l.includes(": fold "))) sent = copy.messages;
    }
    expect(sent).toBeDefined();
    // What a kill -9 right after that request leaves on disk (no await since: the idle timer has not run).
    const killed = join(dir.path, "killed.db");
    copyFileSync(path, killed);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${killed}-wal`);
    // Unkilled, the idle work writes the ledger without a tool call or a dispose.
    await Bun.sleep(1_000);
    const stored = (file: string) => {
      using db = new Database(file, { readonly: true });
      return db.query<{ state: string }, [string]>("SELECT state FROM ledgers WHERE session_id = ?").get(SESSION)!.state;
    };
    const ledger = JSON.parse(stored(path)) as { calls: { id: string }[] };
    expect(ledger.calls.length).toBe(history.length - 1);
    const again = await hooksFor(killed);
    const copy = { messages: structuredClone(history) };
    await again.hooks["experimental.chat.messages.transform"]!({}, copy);
    expect(JSON.stringify(copy.messages)).toBe(JSON.stringify(sent));
    await again.hooks.dispose!();
    expect(stored(killed)).toBe(stored(path));
    await first.hooks.dispose!();
  }, TIMEOUT);

  test("opencode's compaction: the summariser gets the ledger, and the request after it carries the digest again", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(join(dir.path, "a.db"));
    await learnWindow(hooks);
    const { history } = await play(hooks, 30);
    const compacting = { context: [] as string[] };
    await hooks["experimental.session.compacting"]!({ sessionID: SESSION }, compacting);
    expect(compacting.context).toHaveLength(1);
    expect(compacting.context[0]).toContain(DIGEST_MARK);
    expect(compacting.context[0]).toContain("src/file23.ts: edited 1x");
    // After compaction opencode sends from its compaction message on: a first message the fold never saw.
    const after = [userText(SESSION, "What did we do so far?"), ...history.slice(-2)];
    const copy = { messages: structuredClone(after) };
    await hooks["experimental.chat.messages.transform"]!({}, copy);
    expect(copy.messages).toHaveLength(4);
    expect((copy.messages[1]!.parts[0] as { text: string }).text).toContain("Goal (the first request): Make the build pass");
  }, TIMEOUT);

  test("a new output too large for the window is sent as its observation at once, and stays so", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(join(dir.path, "a.db"));
    await learnWindow(hooks);
    const history: Msg[] = [userText(SESSION, "Look at the big log")];
    const huge = Array.from({ length: 4000 }, (_, l) => `2026-01-01 INFO request ${l} took ${(l * 7919) % 997}ms path=/api/v1/items/${l}`).join("\n");
    expect(countTokens(huge)).toBeGreaterThan(USABLE);
    history.push(assistantWithTools(SESSION, [{ callID: "toolu_huge", tool: "bash", input: { command: "cat big.log" }, output: huge }]));
    const sent: Msg[][] = [];
    for (let k = 0; k < 2; k++) {
      const copy = { messages: structuredClone(history) };
      await hooks["experimental.chat.messages.transform"]!({}, copy);
      sent.push(copy.messages);
      history.push(assistantWithTools(SESSION, [{ callID: `toolu_small${k}`, tool: "bash", input: { command: "echo ok" }, output: "ok" }]));
    }
    for (const request of sent) {
      const part = request.flatMap((m) => m.parts).find((p) => (p as { callID?: string }).callID === "toolu_huge") as { state: { output: string } };
      expect(part.state.output).toContain('recall({"id":"toolu_huge"})');
      expect(sentTokens(request)).toBeLessThan(USABLE * 0.85);
    }
    // The second request sends it exactly as the first did.
    expect(JSON.stringify(sent[1]!.slice(0, sent[0]!.length))).toBe(JSON.stringify(sent[0]));
  }, TIMEOUT);

  test("fold disabled: the transform never removes a message", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(join(dir.path, "a.db"), { fold: { enabled: false } });
    await learnWindow(hooks);
    const { history, requests } = await play(hooks, 30);
    expect(requests.at(-1)!.length).toBe(history.length);
  }, TIMEOUT);
});
