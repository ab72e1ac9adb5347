import { createHash } from "node:crypto";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import type { ObserverSetup } from "../../src/hooks/observer.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import type { Level } from "../../src/log/logger.ts";
import { recallWhole } from "./recall-whole.ts";

const client = { app: { log: async () => ({}) } } as never;
export const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const output = (tag: string, lines = 1200) => Array.from({ length: lines }, (_, i) => `${tag} line ${i}: value=${(i * 7919) % 10007}`).join("\n");

/**
 * A session driven through the real hooks: each call goes through tool.execute.after, then the transform.
 * `options` are added to the plugin's; `observer` sets up the compression worker (tests of the queue).
 */
export async function driven(archivePath: string, sessionID: string, options: Record<string, unknown> = {}, observer: Partial<ObserverSetup> = {}) {
  const lines: { level: Level; message: string }[] = [];
  const hooks = await createEndlessHooks({ client }, { archivePath, highWaterTokens: 2000, keepLast: 1, ...options }, (level, message) => lines.push({ level, message }), observer);
  const messages: Msg[] = [userText(sessionID, "go")];
  const originals = new Map<string, string>();
  const latency = { toolAfter: [] as number[], transform: [] as number[] };
  const call = async (tag: string, text = output(tag)) => {
    const callID = `toolu_${tag}`;
    originals.set(callID, text);
    let started = performance.now();
    await hooks["tool.execute.after"]!({ tool: "bash", sessionID, callID, args: { command: tag } }, { title: "", output: text, metadata: {} });
    latency.toolAfter.push(performance.now() - started);
    messages.push(assistantWithTools(sessionID, [{ callID, tool: "bash", input: { command: tag }, output: text }]));
    const sent = { messages: structuredClone(messages) };
    started = performance.now();
    await hooks["experimental.chat.messages.transform"]!({}, sent);
    latency.transform.push(performance.now() - started);
    return sent.messages;
  };
  /** Every handle an observation offers brings back the original byte for byte. */
  const recallAll = async (sent: Msg[]) => {
    let handles = 0;
    for (const part of sent.flatMap((m) => m.parts)) {
      const text = (part as { state?: { output?: string } }).state?.output ?? "";
      const id = text.match(/recall\(\{"id":"([^"]+)"\}\)\]?$/)?.[1];
      if (id === undefined) continue;
      handles++;
      const whole = await recallWhole((args) => hooks.tool!.recall!.execute(args, { sessionID } as never), id);
      if (sha(whole) !== sha(originals.get(id)!)) throw new Error(`recall ${id} did not give the original back`);
    }
    return handles;
  };
  const compressed = (sent: Msg[]) => sent.flatMap((m) => m.parts).filter((p) => JSON.stringify(p).includes("[endless:")).length;
  return { hooks, lines, call, recallAll, compressed, originals, latency };
}

