import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import type { Level } from "../../src/log/logger.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { randomCalls } from "../fake/random-session.ts";
import { tmpdir } from "../fake/tmp.ts";

/**
 * The bytes of every request of one fixed session, frontier moves and fold moves included, against the
 * hashes recorded before the request path was made faster (`GOLDEN`): what is sent must not change with
 * how fast it is made. A deliberate change of what is sent (policy, digest, compressors) rewrites them:
 * `ENDLESS_WRITE_GOLDEN=1 bun test test/hooks/request-bytes.test.ts`, and says why in its commit.
 */
const GOLDEN = new URL("../fixtures/request-bytes/session.json", import.meta.url).pathname;
const SESSION = "ses_bytes";
const STEPS = 240;
/** The archive is closed and opened again here: what the caches held must come back the same from the file. */
const RESTART_AT = 150;
const client = { app: { log: async () => ({}) }, tui: { showToast: async () => ({}) } } as never;

type Kind = "stays" | "frontier" | "fold";
interface Golden {
  readonly requests: { readonly kind: Kind; readonly sha: string }[];
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 24);

/** Ids and times fixed by position, so the bytes do not depend on which tests ran before in this process. */
function withIds(m: Msg, n: number): Msg {
  const id = `msg_${String(n).padStart(4, "0")}`;
  return { info: { ...m.info, id, time: { ...m.info.time, created: n } }, parts: m.parts.map((p, i) => ({ ...p, id: `prt_${id}_${i}`, messageID: id })) } as Msg;
}

async function open(path: string, lines: string[]) {
  const hooks = await createEndlessHooks({ client, directory: "/p" }, { archivePath: path }, (_l: Level, m: string) => lines.push(m));
  const model = { providerID: "mock", id: "m", limit: { context: 32_000, output: 4_096 }, api: { npm: "@ai-sdk/openai-compatible" } };
  await hooks["chat.params"]!({ sessionID: SESSION, agent: "build", model, provider: {}, message: {} } as never, { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} });
  return hooks;
}

/** Plays the session as opencode does (a copy of the history per request), tool hook first, idle work after. */
async function play(path: string): Promise<Golden> {
  const lines: string[] = [];
  let hooks = await open(path, lines);
  const calls = randomCalls(8, STEPS);
  const history: Msg[] = [withIds(userText(SESSION, "Make the build pass and keep the changelog up to date"), 0)];
  const requests: { kind: Kind; sha: string }[] = [];
  for (let i = 0; i < STEPS; i++) {
    if (i === RESTART_AT) {
      await hooks.dispose!();
      hooks = await open(path, lines);
    }
    if (i > 0 && i % 60 === 0) history.push(withIds(userText(SESSION, `Now step ${i}: also check the tests under src/part${i}`), history.length));
    const { callID, tool, input, output } = calls[i]!;
    await hooks["tool.execute.after"]!({ tool, sessionID: SESSION, callID, args: input }, { title: tool, output, metadata: { exit: i % 9 === 4 ? 1 : 0 } });
    history.push(withIds(assistantWithTools(SESSION, [{ callID, tool, input, output }]), history.length));
    const copy = { messages: structuredClone(history) };
    const before = lines.length;
    await hooks["experimental.chat.messages.transform"]!({}, copy);
    const said = lines.slice(before);
    const kind: Kind = said.some((l) => l.includes(": fold ")) ? "fold" : said.some((l) => l.includes("frontier moved")) ? "frontier" : "stays";
    requests.push({ kind, sha: sha(JSON.stringify(copy.messages)) });
    await hooks.dispose!();
  }
  return { requests };
}

describe("what a request sends", () => {
  test("every request of a fixed session, frontier and fold moves included, is byte for byte what it was", async () => {
    using dir = tmpdir();
    const played = await play(join(dir.path, "a.db"));
    if (process.env.ENDLESS_WRITE_GOLDEN === "1") writeFileSync(GOLDEN, `${JSON.stringify(played, null, 1)}\n`);
    expect(existsSync(GOLDEN)).toBe(true);
    const golden = JSON.parse(readFileSync(GOLDEN, "utf8")) as Golden;
    // The session is one that exercises both kinds of move, more than once, on both sides of the restart.
    const kinds = (k: Kind, from = 0, to = STEPS) => golden.requests.slice(from, to).filter((r) => r.kind === k).length;
    expect(kinds("frontier", 0, RESTART_AT)).toBeGreaterThan(1);
    expect(kinds("fold", 0, RESTART_AT)).toBeGreaterThan(1);
    expect(kinds("frontier", RESTART_AT)).toBeGreaterThan(0);
    expect(kinds("fold", RESTART_AT)).toBeGreaterThan(0);
    expect(played.requests.length).toBe(golden.requests.length);
    const differing = played.requests.flatMap((r, i) => (r.kind === golden.requests[i]!.kind && r.sha === golden.requests[i]!.sha ? [] : [`request ${i} (${golden.requests[i]!.kind}, now ${r.kind})`]));
    expect(differing).toEqual([]);
  }, 120_000);
});
