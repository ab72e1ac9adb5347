import { expect, test } from "bun:test";
import type { Part } from "@opencode-ai/sdk";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { rng } from "../fake/random-session.ts";

const SESSIONS = Number(process.env.PROPERTY_SESSIONS ?? 10_000);
const client = { app: { log: async () => ({}) } } as never;

type AnyPart = Part & { callID?: string; state?: { status: string; output?: string; input?: unknown; time?: { compacted?: number } } };

/** One random session as opencode stores it: parallel calls, errors, running and aborted calls, compacted outputs, images, reasoning, compaction markers. */
function randomSession(seed: number): Msg[] {
  const next = rng(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const sessionID = `ses_prop_${seed}`;
  const messages: Msg[] = [userText(sessionID, "start")];
  const steps = 2 + Math.floor(next() * 4);
  for (let step = 0; step < steps; step++) {
    if (next() < 0.08) {
      const marker = userText(sessionID, "compact");
      marker.parts = [{ id: `prt_c${seed}_${step}`, sessionID, messageID: marker.info.id, type: "compaction", auto: true } as Part];
      messages.push(marker);
    }
    const parallel = 1 + Math.floor(next() * 2.5);
    const calls = Array.from({ length: parallel }, (_, k) => {
      const tool = pick(["bash", "read", "grep", "edit", "write", "todowrite", "webfetch"]);
      const lines = Math.floor(next() * 10);
      const output = Array.from({ length: lines }, (_, l) => `${tool} ${step}.${k} line ${l} value=${Math.floor(next() * 1e6)}`).join("\n");
      const input = tool === "write" ? { filePath: `/p/notes${step}.txt`, content: output } : { command: `cmd ${step} ${k}`, filePath: `/p/notes${step % 3}.txt` };
      return { callID: `toolu_${seed}_${step}_${k}`, tool, input, output };
    });
    const message = assistantWithTools(sessionID, calls);
    for (const part of message.parts as AnyPart[]) {
      const roll = next();
      const state = part.state as Record<string, unknown>;
      if (roll < 0.06) Object.assign(state, { status: "error", error: "boom" });
      else if (roll < 0.09) Object.assign(state, { status: "running" });
      else if (roll < 0.11) Object.assign(state, { status: "error", error: "Tool execution aborted" });
      else if (roll < 0.15) (state.time as Record<string, unknown>).compacted = 1;
      else if (roll < 0.2) state.attachments = [{ id: `prt_img_${part.callID}`, sessionID, messageID: message.info.id, type: "file", mime: "image/png", url: "data:image/png;base64,iVBORw0KGgo=" }];
    }
    if (next() < 0.3) message.parts.unshift({ id: `prt_r${seed}_${step}`, sessionID, messageID: message.info.id, type: "reasoning", text: "thinking", time: { start: 1 } } as Part);
    if (next() < 0.3) message.parts.push({ id: `prt_t${seed}_${step}`, sessionID, messageID: message.info.id, type: "text", text: "note" } as Part);
    messages.push(message);
  }
  return messages;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What the transform may change in a part: a completed, not compacted tool part's output and input, nothing
 * else. Returns the violations (plain comparisons: expect() per field would make 10,000 sessions take minutes).
 */
function violations(stored: Msg[], sent: Msg[]): string[] {
  const found: string[] = [];
  if (sent.length !== stored.length) return [`${stored.length} messages sent as ${sent.length}`];
  stored.forEach((message, i) => {
    const out = sent[i]!;
    if (!same(out.info, message.info)) found.push(`message ${i}: info changed`);
    if (out.parts.length !== message.parts.length) return found.push(`message ${i}: ${message.parts.length} parts sent as ${out.parts.length}`);
    message.parts.forEach((part, j) => {
      const { state: sa, ...ra } = part as AnyPart;
      const { state: sb, ...rb } = out.parts[j] as AnyPart;
      const where = `message ${i} part ${j} (${ra.type} ${ra.callID ?? ""})`;
      if (!same(rb, ra)) found.push(`${where}: changed outside its state`);
      if (sa === undefined) return;
      const { output: oa, input: ia, ...restA } = sa;
      const { output: ob, input: ib, ...restB } = sb!;
      if (!same(restB, restA)) found.push(`${where}: state changed beyond output and input`);
      if (!(sa.status === "completed" && sa.time?.compacted === undefined)) {
        if (ob !== oa || !same(ib, ia)) found.push(`${where}: a ${sa.status} or compacted part was changed`);
        return;
      }
      if (oa !== "" && ob === "") found.push(`${where}: output emptied`);
      if (!same(Object.keys(ib as object).sort(), Object.keys(ia as object).sort())) found.push(`${where}: input keys changed`);
    });
  });
  return found;
}

const toolOutputs = (messages: Msg[]) =>
  new Map(messages.flatMap((m) => m.parts as AnyPart[]).filter((p) => p.type === "tool").map((p) => [p.callID!, JSON.stringify([p.state?.output, p.state?.input])]));

test(`property: over ${SESSIONS.toLocaleString("en")} random sessions, every tool part stays paired, no message empties, and earlier parts change only when the frontier moves`, async () => {
  let batches = 0;
  let moved = false;
  const problems: string[] = [];
  const hooks = await createEndlessHooks({ client }, { archivePath: ":memory:", highWaterTokens: 120, lowWaterTokens: 20, keepLast: 1, minTokens: 10 }, (_level, message) => {
    if (message.includes("frontier moved")) moved = true;
  });
  const transform = hooks["experimental.chat.messages.transform"]!;
  for (let seed = 1; seed <= SESSIONS; seed++) {
    const stored = randomSession(seed);
    let previous: Map<string, string> | undefined;
    // The request before the last step, then the one with it: what the cache already holds must not change between them.
    for (const length of [stored.length - 1, stored.length]) {
      const history = stored.slice(0, length);
      const request = { messages: structuredClone(history) };
      moved = false;
      await transform({}, request);
      problems.push(...violations(history, request.messages).map((v) => `seed ${seed}: ${v}`));
      const now = toolOutputs(request.messages);
      if (moved) batches++;
      else if (previous) for (const [id, sent] of previous) if (now.get(id) !== sent) problems.push(`seed ${seed}: ${id} changed with no batch`);
      previous = now;
    }
  }
  expect(problems.slice(0, 20)).toEqual([]);
  expect(batches).toBeGreaterThan(SESSIONS / 10);
}, 120_000);
