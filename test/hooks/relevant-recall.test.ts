import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { TextPart } from "@opencode-ai/sdk";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { RECALL_BLOCK_MARK } from "../../src/context/recall-block.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { tmpdir } from "../fake/tmp.ts";

const client = { app: { log: async () => ({}) }, tui: { showToast: async () => ({}) } } as never;
const SESSION = "ses_recall";

/** A long bash output, distinct per call; the third names the failing widget, the last two a deploy target. */
const special = (i: number, l: number) =>
  i === 2 && l === 60 ? "ERROR widget quuxinator crashed with code 77" : i >= 4 && l === 30 ? "deploy target zanzibar ready" : undefined;
const output = (i: number) =>
  Array.from({ length: 120 }, (_, l) => special(i, l) ?? `step ${i} line ${l}: value=${(i * 7919 + l * 104729) % 1_000_003} ok`).join("\n");
const calls = Array.from({ length: 6 }, (_, i) => ({ callID: `toolu_r${i}`, tool: "bash", input: { command: `make step${i}` }, output: output(i) }));

async function session(path: string, options: Record<string, unknown>) {
  const hooks = await createEndlessHooks({ client, directory: "/p" }, { archivePath: path, highWaterTokens: 1000, ...options }, () => {});
  // Every output goes through the tool hook and its idle work (archived, indexed), as in opencode.
  for (const c of calls) {
    await hooks["tool.execute.after"]!({ tool: c.tool, sessionID: SESSION, callID: c.callID, args: c.input }, { title: c.tool, output: c.output, metadata: { exit: 0 } });
  }
  await hooks.dispose!();
  const history: Msg[] = [userText(SESSION, "Build the project"), ...calls.map((c) => assistantWithTools(SESSION, [c]))];
  const transform = async (messages: Msg[]) => {
    const copy = { messages: structuredClone(messages) };
    await hooks["experimental.chat.messages.transform"]!({}, copy);
    return copy.messages;
  };
  // The first turn's requests: older outputs go as observations from here on.
  await transform(history);
  return { hooks, history, transform };
}

const blockOf = (m: Msg) => m.parts.filter((p): p is TextPart => p.type === "text" && p.text.startsWith(RECALL_BLOCK_MARK));

describe("relevant recall in the transform", () => {
  test("a new user message gets one block naming the matching earlier output; later requests of the turn and after a restart send the same bytes", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    const { history, transform } = await session(path, { relevantRecall: { enabled: true } });
    const question = userText(SESSION, "Why did the quuxinator crash?");
    history.push(question);
    const first = await transform(history);
    const blocks = blockOf(first.at(-1)!);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]!.synthetic).toBe(true);
    expect(blocks[0]!.text).toContain("- toolu_r2 (bash): ");
    expect(blocks[0]!.text).toContain("quuxinator crashed with code 77");
    // opencode's copy is untouched.
    expect(question.parts).toHaveLength(1);

    // The turn goes on: the user message is no longer the newest, its block is sent byte for byte.
    history.push(assistantWithTools(SESSION, [{ callID: "toolu_r9", tool: "bash", input: { command: "make again" }, output: output(9) }]));
    const second = await transform(history);
    const again = second.find((m) => m.info.id === question.info.id)!;
    expect(JSON.stringify(again)).toBe(JSON.stringify(first.at(-1)));

    // A restarted plugin sends the same block for that message.
    const restarted = await createEndlessHooks({ client, directory: "/p" }, { archivePath: path, highWaterTokens: 1000, relevantRecall: { enabled: true } }, () => {});
    const copy = { messages: structuredClone(history) };
    await restarted["experimental.chat.messages.transform"]!({}, copy);
    expect(JSON.stringify(copy.messages.find((m) => m.info.id === question.info.id))).toBe(JSON.stringify(first.at(-1)));
  });

  test("an output the request carries raw is never in the block; a message matching nothing gets none", async () => {
    using dir = tmpdir();
    const { history, transform } = await session(join(dir.path, "b.db"), { relevantRecall: { enabled: true } });
    // The newest output (toolu_r5) is sent raw: the block leaves it out and offers the older match.
    history.push(userText(SESSION, "Is zanzibar the deploy target?"));
    const sent = await transform(history);
    const raw = sent.flatMap((m) => m.parts).find((p) => p.type === "tool" && p.callID === "toolu_r5");
    expect(raw?.type === "tool" && raw.state.status === "completed" && raw.state.output).toBe(output(5));
    const block = blockOf(sent.at(-1)!)[0]?.text ?? "";
    expect(block).not.toContain("toolu_r5");
    expect(block).toContain("- toolu_r4 (bash): ");
    expect(block.split("\n")).toHaveLength(2);

    history.push(assistantWithTools(SESSION, []), userText(SESSION, "zebra xylophone"));
    expect(blockOf((await transform(history)).at(-1)!)).toEqual([]);
  });

  test("off (the default), no request carries a block", async () => {
    using dir = tmpdir();
    const { history, transform } = await session(join(dir.path, "c.db"), {});
    history.push(userText(SESSION, "Why did the quuxinator crash?"));
    const sent = await transform(history);
    expect(sent.flatMap(blockOf)).toEqual([]);
    expect(sent.at(-1)!.parts).toHaveLength(1);
  });
});
