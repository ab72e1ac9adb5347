/**
 * A process that plays one scripted session through the real hooks on a real archive file, for the kill -9
 * test: `bun kill-child.ts ARCHIVE SEED RESEND STORED`. It first sends the request of the first RESEND steps
 * again (what the process before it sent last), then the one of all STORED steps, then goes on with new
 * steps, printing one JSON line per event: {"stored": callID} once a tool hook returned (opencode stores the
 * output then), {"sent": steps, "outputs": {callID: sha}, "batch": N} once a request's transform returned,
 * N the frontier's batch in the archive as that request left it.
 */
import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { writeSync } from "node:fs";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { killSessionStep } from "./kill-session.ts";

const [archivePath, seedText, resendText, storedText] = process.argv.slice(2);
const seed = Number(seedText);
const sessionID = `ses_kill_${seed}`;
const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);
const client = { app: { log: async () => ({}) } } as never;
// Written synchronously: a line queued behind the transform's own work (the fold tokenizes the whole
// request) would be lost to a kill that lands after the frontier was saved, and the parent would miss it.
const print = (line: unknown) => writeSync(1, `${JSON.stringify(line)}\n`);
const hooks = await createEndlessHooks({ client }, { archivePath, highWaterTokens: 1500, keepLast: 1 }, () => {});
// The batch is read from the archive, not from a log line: a kill between the frontier's save and its line
// would hide a batch that stands.
const reader = new Database(archivePath, { readonly: true });
const batchNow = () => reader.query<{ batch: number }, [string]>("SELECT batch FROM frontiers WHERE session_id = ?").get(sessionID)?.batch ?? 0;

const history = (steps: number): Msg[] => [
  userText(sessionID, "go"),
  ...Array.from({ length: steps }, (_, i) => assistantWithTools(sessionID, [killSessionStep(seed, i)])),
];

async function send(steps: number): Promise<void> {
  const request = { messages: structuredClone(history(steps)) };
  await hooks["experimental.chat.messages.transform"]!({}, request);
  const tools = request.messages.flatMap((m) => m.parts).filter((p) => p.type === "tool");
  const outputs = Object.fromEntries(tools.map((p) => [p.callID, sha((p.state as { output: string }).output)]));
  print({ sent: steps, outputs, batch: batchNow() });
}

print({ ready: true });
const resend = Number(resendText);
let stored = Number(storedText);
if (resend > 0) await send(resend);
if (stored > resend) await send(stored);
// Bounded: the parent kills it long before; a lost parent must not leave it running for ever.
while (stored < 400) {
  const step = killSessionStep(seed, stored);
  await hooks["tool.execute.after"]!({ tool: step.tool, sessionID, callID: step.callID, args: step.input }, { title: "", output: step.output, metadata: {} });
  print({ stored: step.callID });
  stored++;
  await send(stored);
}
