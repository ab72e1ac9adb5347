import { beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Database } from "bun:sqlite";
import { openArchive } from "../../src/archive/open.ts";
import { findToolCall } from "../../src/archive/tool-calls.ts";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { HOSTILE } from "../fake/hostile.ts";
import { recallWhole } from "../fake/recall-whole.ts";
import { tmpdir } from "../fake/tmp.ts";

const client = { app: { log: async () => ({}) } } as never;
const sha = (text: string) => createHash("sha256").update(text, "utf16le").digest("hex");
const TOOLS = ["bash", "read", "webfetch", "mcp_server_tool"];
/** Recalling every page of a 10 MB output takes a minute here: above this size the archived row's hash is checked, and the first page. */
const RECALL_WHOLE_MAX = 2 * 1024 * 1024;

const dir = tmpdir();
const archivePath = join(dir.path, "archive.db");
const sessionID = "ses_hostile";
const problems: string[] = [];
const originals = new Map<string, string>();
let sent: Msg[] = [];
let sentIds: string[] = [];
let storedIds: string[] = [];
let hooks: Awaited<ReturnType<typeof createEndlessHooks>>;
let db: Database;
const idOf = (name: string, tool: string) => `toolu_${tool}_${name.replace(/\W+/g, "_")}`;

beforeAll(async () => {
  hooks = await createEndlessHooks({ client }, { archivePath, highWaterTokens: 1000, keepLast: 1 }, (level, message) => {
    if (level === "warn" || level === "error") problems.push(message);
  });
  const messages: Msg[] = [userText(sessionID, "go")];
  for (const [name, make] of Object.entries(HOSTILE)) {
    for (const tool of TOOLS) {
      const callID = idOf(name, tool);
      const output = make();
      originals.set(callID, output);
      const input = { command: name, filePath: "/p/x.txt" };
      await hooks["tool.execute.after"]!({ tool, sessionID, callID, args: input }, { title: "", output, metadata: {} });
      messages.push(assistantWithTools(sessionID, [{ callID, tool, input, output }]));
    }
  }
  messages.push(assistantWithTools(sessionID, [{ callID: "toolu_last", tool: "bash", input: {}, output: "ok" }]));
  const request = { messages: structuredClone(messages) };
  await hooks["experimental.chat.messages.transform"]!({}, request);
  await hooks.dispose?.();
  sent = request.messages;
  const callIds = (list: Msg[]) => list.flatMap((m) => m.parts).map((p) => (p as unknown as { callID: string }).callID);
  sentIds = callIds(sent);
  storedIds = callIds(messages);
  db = openArchive(archivePath);
}, 300_000);

test("no warning or error, and every tool part is sent, in order, paired with its call", () => {
  expect(problems).toEqual([]);
  expect(sentIds).toEqual(storedIds);
});

describe("hostile outputs through the real hooks", () => {
  for (const name of Object.keys(HOSTILE)) {
    test(`${name}: compressed (smaller, with its handle) or passed through; archived and recalled exactly`, async () => {
      for (const tool of TOOLS) {
        const callID = idOf(name, tool);
        const original = originals.get(callID)!;
        const part = sent.flatMap((m) => m.parts).find((p) => (p as unknown as { callID: string }).callID === callID) as unknown as { state: { output: string } };
        if (part.state.output !== original) {
          expect(part.state.output.length).toBeLessThan(original.length);
          expect(part.state.output).toContain(`recall({"id":"${callID}"})`);
        }
        expect([callID, sha(findToolCall(db, sessionID, callID)?.output ?? "<missing>")]).toEqual([callID, sha(original)]);
        const recall = (args: { id: string; offset: number }) => hooks.tool!.recall!.execute(args, { sessionID } as never);
        if (original.length <= RECALL_WHOLE_MAX) {
          expect([callID, sha(await recallWhole(recall, callID))]).toEqual([callID, sha(original)]);
        } else {
          const first = String(await recall({ id: callID, offset: 0 }));
          expect(original.startsWith(first.slice(first.indexOf("\n") + 1))).toBe(true);
        }
      }
    }, 120_000);
  }
});
