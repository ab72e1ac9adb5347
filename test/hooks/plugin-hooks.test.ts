import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findToolCall } from "../../src/archive/tool-calls.ts";
import { openArchive } from "../../src/archive/open.ts";
import { createIdleWork } from "../../src/archive/idle-work.ts";
import { createArchiveStore } from "../../src/archive/session-store.ts";
import { createToolAfterHook } from "../../src/hooks/tool-after.ts";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { unreadToolParts } from "../../src/hooks/messages-transform.ts";
import type { Level } from "../../src/log/logger.ts";
import { rng } from "../fake/random-session.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { tmpdir } from "../fake/tmp.ts";

const client = { app: { log: async () => ({}) } } as never;

function recorder() {
  const lines: { level: Level; message: string }[] = [];
  return { lines, log: (level: Level, message: string) => lines.push({ level, message }) };
}

const bigOutput = (tag: string, lines = 400) =>
  Array.from({ length: lines }, (_, i) => `${tag}: line ${i} with some words and a number ${i * 31}`).join("\n");

async function hooksFor(dir: string, options: Record<string, unknown> = {}) {
  const rec = recorder();
  const hooks = await createEndlessHooks({ client }, { archivePath: join(dir, "a.db"), ...options }, rec.log);
  return { hooks, ...rec };
}

describe("createEndlessHooks", () => {
  test("an invalid key falls back to its default with one warning (toast and log); the other options still apply", async () => {
    using dir = tmpdir();
    const toasts: string[] = [];
    const rec = recorder();
    const toastClient = { app: { log: async () => ({}) }, tui: { showToast: async (t: { body: { message: string } }) => toasts.push(t.body.message) } };
    const options = { archivePath: join(dir.path, "a.db"), keepLast: "three", highWaterTokens: 100 };
    const hooks = await createEndlessHooks({ client: toastClient as never }, options, rec.log);
    expect(hooks["experimental.chat.messages.transform"]).toBeDefined();
    expect(hooks.tool?.recall).toBeDefined();
    // The one warning (the start-up line naming the active patches is info).
    const said = rec.lines.filter((l) => l.level !== "info");
    expect(said).toHaveLength(1);
    expect(said[0]!.level).toBe("warn");
    expect(said[0]!.message).toContain('option "keepLast"');
    expect(toasts).toEqual([said[0]!.message]);
    // highWaterTokens 100 still applies: an old output is compressed at once.
    const messages: Msg[] = [userText("ses_o", "go")];
    for (let i = 0; i < 3; i++) messages.push(assistantWithTools("ses_o", [{ callID: `toolu_o${i}`, tool: "bash", input: {}, output: bigOutput(`o${i}`) }]));
    const output = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, output);
    const first = output.messages[1]!.parts[0] as { state: { output: string } };
    expect(first.state.output).toContain('recall({"id":"toolu_o0"})');
  });

  test("a damaged archive is moved aside with one warning naming both paths, and Endless runs on a fresh one", async () => {
    using dir = tmpdir();
    writeFileSync(join(dir.path, "a.db"), "not a database ".repeat(200));
    const { hooks, lines: all } = await hooksFor(dir.path);
    const lines = all.filter((l) => l.level !== "info");
    expect(hooks["tool.execute.after"]).toBeDefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toContain(join(dir.path, "a.db"));
    expect(lines[0]!.message).toMatch(/moved aside to \S+a\.db\.damaged-\d{8}T\d{6}Z/);
    await hooks["tool.execute.after"]!({ tool: "bash", sessionID: "ses_d", callID: "toolu_d", args: {} }, { title: "", output: "fresh", metadata: {} });
    expect(findToolCall(openArchive(join(dir.path, "a.db")), "ses_d", "toolu_d")?.output).toBe("fresh");
  });

  test("tool.execute.after archives the full output opencode saved and leaves its output untouched", async () => {
    using dir = tmpdir();
    const outputs = join(dir.path, "tool-output");
    mkdirSync(outputs);
    const saved = join(outputs, "tool_a");
    writeFileSync(saved, bigOutput("whole", 3000));
    const db = openArchive(join(dir.path, "a.db"));
    const idle = createIdleWork({ db, store: createArchiveStore(db), log: () => {} });
    const after = createToolAfterHook({ db, idle, toolOutputDir: outputs });
    const output = { title: "t", output: `tail\n...output truncated...\n\nFull output saved to: ${saved}`, metadata: { exit: 1, truncated: true, outputPath: saved } };
    const before = structuredClone(output);
    await after({ tool: "bash", sessionID: "ses_a", callID: "toolu_a", args: { command: "make" } }, output);
    expect(output).toEqual(before);
    const stored = findToolCall(db, "ses_a", "toolu_a")!;
    expect(stored.output).toBe(bigOutput("whole", 3000));
    expect(stored.shownOutput).toBe(before.output);
    expect(stored.input).toEqual({ command: "make" });
  });

  test("the transform sends observations for older outputs and keeps every tool part paired", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(dir.path, { highWaterTokens: 2000, keepLast: 2 });
    const messages: Msg[] = [userText("ses_t", "go")];
    for (let i = 0; i < 8; i++) {
      messages.push(assistantWithTools("ses_t", [{ callID: `toolu_${i}`, tool: "bash", input: { command: `c${i}` }, output: bigOutput(`out${i}`) }]));
    }
    const originals = messages.flatMap((m) => m.parts).map((p) => structuredClone(p));
    const output = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, output);
    const parts = output.messages.flatMap((m) => m.parts);
    expect(parts.map((p) => [p.id, p.type, (p as { callID?: string }).callID])).toEqual(
      originals.map((p) => [p.id, p.type, (p as { callID?: string }).callID]),
    );
    const outputs = parts.filter((p) => p.type === "tool").map((p) => (p as { state: { output: string } }).state.output);
    expect(outputs.at(-1)).toBe(bigOutput("out7"));
    expect(outputs.at(-2)).toBe(bigOutput("out6"));
    expect(outputs[0]).toContain('recall({"id":"toolu_0"})');
    expect(outputs[0]!.length).toBeLessThan(bigOutput("out0").length / 2);
  });

  test("property: over random growing sessions, earlier outputs change only when the frontier moves", async () => {
    using dir = tmpdir();
    const { hooks, lines } = await hooksFor(dir.path, { highWaterTokens: 8000, keepLast: 2 });
    const next = rng(42);
    const history: Msg[] = [userText("ses_p", "start")];
    let previous: string[] = [];
    let unchanged = 0;
    let batches = 0;
    for (let step = 0; step < 60; step++) {
      const size = 5 + Math.floor(next() * 120);
      const tool = next() < 0.5 ? "bash" : "grep";
      history.push(assistantWithTools("ses_p", [{ callID: `toolu_p${step}`, tool, input: { command: `x${step}` }, output: bigOutput(`s${step}`, size) }]));
      const logged = lines.length;
      const output = { messages: structuredClone(history) };
      await hooks["experimental.chat.messages.transform"]!({}, output);
      const moved = lines.slice(logged).some((l) => l.message.includes("frontier moved"));
      const sent = output.messages.flatMap((m) => m.parts).filter((p) => p.type === "tool").map((p) => (p as { state: { output: string } }).state.output);
      const samePrefix = previous.every((text, i) => sent[i] === text);
      if (!samePrefix) expect(moved).toBe(true);
      if (moved) batches++;
      else unchanged++;
      previous = sent;
    }
    expect(batches).toBeGreaterThan(2);
    expect(unchanged).toBeGreaterThan(batches);
  });

  test("a failing store leaves the messages exactly as they were and logs why", async () => {
    using dir = tmpdir();
    const { hooks, lines } = await hooksFor(dir.path, { highWaterTokens: 100 });
    const messages = [assistantWithTools("ses_f", [{ callID: "toolu_f", tool: "bash", input: {}, output: bigOutput("f") }])];
    const db = openArchive(join(dir.path, "a.db"));
    db.run("DROP TABLE renders");
    db.close();
    const extra = assistantWithTools("ses_f", Array.from({ length: 5 }, (_, i) => ({ callID: `toolu_g${i}`, tool: "bash", input: {}, output: bigOutput(`g${i}`) })));
    const output = { messages: [...messages, extra] };
    const before = structuredClone(output);
    await hooks["experimental.chat.messages.transform"]!({}, output);
    expect(output).toEqual(before);
    expect(lines.some((l) => l.level === "error" && l.message.includes("passing through"))).toBe(true);
  });
});

describe("createEndlessHooks and tool inputs", () => {
  const content = Array.from({ length: 300 }, (_, i) => `export function f${i}(x: number): number { return x * ${i}; }`).join("\n");
  type SentPart = { callID: string; state: { input: Record<string, unknown>; output: string } };
  const toolParts = (messages: Msg[]) => messages.flatMap((m) => m.parts).filter((p) => p.type === "tool") as unknown as SentPart[];

  function session() {
    const messages: Msg[] = [userText("ses_i", "write it, then look around")];
    messages.push(assistantWithTools("ses_i", [{ callID: "toolu_w", tool: "write", input: { content, filePath: "/p/src/f.ts" }, output: "Wrote file successfully." }]));
    for (let i = 0; i < 4; i++) {
      messages.push(assistantWithTools("ses_i", [{ callID: `toolu_b${i}`, tool: "bash", input: { command: `c${i}` }, output: bigOutput(`b${i}`) }]));
    }
    return messages;
  }

  test("an old write is sent with a stand-in for its content, the rest of its input as is; opencode's copy keeps it all", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(dir.path, { highWaterTokens: 2000, keepLast: 1 });
    const messages = session();
    const stored = structuredClone(messages);
    const output = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, output);
    const write = toolParts(output.messages)[0]!;
    expect(Object.keys(write.state.input)).toEqual(["content", "filePath"]);
    expect(write.state.input.filePath).toBe("/p/src/f.ts");
    expect(write.state.input.content).toContain('[endless: content elided from this earlier call (300 lines');
    expect(write.state.input.content).toContain('recall({"id":"toolu_w","part":"input"})');
    expect(write.state.output).toBe("Wrote file successfully.");
    expect(messages).toEqual(stored);

    // The archive holds the full input (archived when the transform first compressed the call), and recall gives it back.
    const recalled = await hooks.tool!.recall!.execute({ id: "toolu_w", part: "input" }, { sessionID: "ses_i" } as never);
    expect(String(recalled).slice(String(recalled).indexOf("\n") + 1)).toBe(content);
  });

  test("between batches, and after a restart, the elided input is sent byte for byte the same", async () => {
    using dir = tmpdir();
    const options = { highWaterTokens: 2000, keepLast: 1 };
    const { hooks, lines } = await hooksFor(dir.path, options);
    const messages = session();
    const first = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, first);
    expect(lines.some((l) => l.message.includes("1 inputs with stand-ins"))).toBe(true);
    messages.push(assistantWithTools("ses_i", [{ callID: "toolu_small", tool: "bash", input: { command: "ls" }, output: "a\nb" }]));
    const second = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, second);
    expect(toolParts(second.messages).slice(0, -1)).toEqual(toolParts(first.messages));
    const restarted = await hooksFor(dir.path, options);
    const third = { messages: structuredClone(messages) };
    await restarted.hooks["experimental.chat.messages.transform"]!({}, third);
    expect(toolParts(third.messages)).toEqual(toolParts(second.messages));
  });

  test("with compressInputs false the inputs are sent as they are", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(dir.path, { highWaterTokens: 2000, keepLast: 1, compressInputs: false });
    const messages = session();
    const output = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, output);
    expect(toolParts(output.messages).map((p) => p.state.input)).toEqual(toolParts(messages).map((p) => p.state.input));
    expect(toolParts(output.messages)[1]!.state.output).toContain('recall({"id":"toolu_b0"})');
  });
});

describe("unreadToolParts", () => {
  const call = (id: string) => ({ callID: id, tool: "bash", input: {}, output: "x" });
  const emptyAssistant = (): Msg => ({ ...assistantWithTools("s", []), parts: [] });

  test("outputs with no assistant reply after them are unread; parallel calls of the last step all are", () => {
    const messages = [userText("s", "go"), assistantWithTools("s", [call("a"), call("b")]), assistantWithTools("s", [call("c"), call("d")])];
    expect([...unreadToolParts(messages)]).toEqual(["c", "d"]);
  });

  test("the step being generated (an assistant message with no content yet) is not a reply", () => {
    const messages = [userText("s", "go"), assistantWithTools("s", [call("a")]), emptyAssistant()];
    expect([...unreadToolParts(messages)]).toEqual(["a"]);
  });

  test("a new user message does not make the last step's outputs read", () => {
    const messages = [userText("s", "go"), assistantWithTools("s", [call("a")]), userText("s", "and now?")];
    expect([...unreadToolParts(messages)]).toEqual(["a"]);
  });
});

test("recall's own answers are not archived again", async () => {
  using dir = tmpdir();
  const { hooks } = await hooksFor(dir.path);
  await hooks["tool.execute.after"]!({ tool: "recall", sessionID: "ses_r", callID: "toolu_r", args: { id: "toolu_x" } }, { title: "", output: "[recall toolu_x: ...]\nsecret copy", metadata: {} });
  await hooks["tool.execute.after"]!({ tool: "bash", sessionID: "ses_r", callID: "toolu_b", args: { command: "ls" } }, { title: "", output: "a\nb", metadata: {} });
  const db = openArchive(join(dir.path, "a.db"));
  expect(findToolCall(db, "ses_r", "toolu_r")).toBeUndefined();
  expect(findToolCall(db, "ses_r", "toolu_b")?.output).toBe("a\nb");
});

test("with redact on, a secret in an old output's observation is sent redacted; recall gives the original", async () => {
  using dir = tmpdir();
  const key = "sk-ant-api03-" + "Q9w_".repeat(22) + "AA";
  const leaky = `${bigOutput("env", 60)}\nANTHROPIC_API_KEY=${key}`;
  const sent = async (redact: boolean) => {
    const { hooks } = await hooksFor(join(dir.path, String(redact)), { highWaterTokens: 500, keepLast: 1, redact });
    const messages: Msg[] = [userText("ses_k", "go"), assistantWithTools("ses_k", [{ callID: "toolu_env", tool: "bash", input: { command: "cat .env" }, output: leaky }])];
    for (let i = 0; i < 3; i++) messages.push(assistantWithTools("ses_k", [{ callID: `toolu_k${i}`, tool: "bash", input: {}, output: bigOutput(`k${i}`) }]));
    const output = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, output);
    const recalled = String(await hooks.tool!.recall!.execute({ id: "toolu_env" }, { sessionID: "ses_k" } as never));
    return { observation: (output.messages[1]!.parts[0] as { state: { output: string } }).state.output, recalled };
  };
  mkdirSync(join(dir.path, "true"));
  mkdirSync(join(dir.path, "false"));
  const on = await sent(true);
  const off = await sent(false);
  expect(off.observation).toContain(key);
  expect(on.observation).not.toContain(key);
  expect(on.observation).toContain("ANTHROPIC_API_KEY=[redacted Anthropic key]");
  expect(on.observation).toContain('recall({"id":"toolu_env"})');
  expect(on.recalled).toContain(key);
});
