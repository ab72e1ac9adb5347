import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openArchive } from "../../src/archive/open.ts";
import { main } from "../../src/cli/main.ts";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import { sessionStats } from "../../src/archive/stats.ts";
import { assistantWithTools, type Msg, userText } from "../../src/harness/fake-messages.ts";
import { tmpdir } from "../fake/tmp.ts";

const client = { app: { log: async () => ({}) } } as never;
const output = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag} ${i}: some output words ${i * 13}`).join("\n");

/** A session through the real hooks: after thirty replies, six big bash outputs archived, then one request shaped. */
async function archivedSession(path: string) {
  const hooks = await createEndlessHooks({ client }, { archivePath: path, keepLast: 2, highWaterTokens: 1000 }, () => {});
  // Thirty earlier replies: a history long enough that the batch pays back its cache rewrite (paysBack).
  const messages: Msg[] = [userText("ses_s", "go"), ...Array.from({ length: 30 }, () => assistantWithTools("ses_s", []))];
  for (let i = 0; i < 6; i++) {
    const call = { callID: `toolu_${i}`, tool: "bash", input: { command: `c${i}` }, output: output(`o${i}`) };
    await hooks["tool.execute.after"]!({ tool: "bash", sessionID: "ses_s", callID: call.callID, args: call.input }, { title: "", output: call.output, metadata: {} });
    messages.push(assistantWithTools("ses_s", [call]));
  }
  await hooks["experimental.chat.messages.transform"]!({}, { messages });
}

describe("session stats", () => {
  test("count archived calls, compressed ones, batches, and say server edits are not reported", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    await archivedSession(path);
    const [stats] = sessionStats(openArchive(path));
    expect(stats).toMatchObject({ sessionID: "ses_s", toolCalls: 6, compressedCalls: 4, batches: 1 });
    expect(stats!.observationTokens).toBeLessThan(stats!.compressedOutputTokens / 3);
    expect(stats!.serverEdits).toMatchObject({ reported: false, clearedToolUses: 0 });
  });

  test("endless stats prints them, and names the missing archive and the fix", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    await archivedSession(path);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await main(["stats", "--archive", path, "--json"], io)).toBe(0);
    const [bill] = JSON.parse(out.join(""));
    expect(bill.toolCalls).toBe(6);
    // Without opencode's record of the session, the figures are Endless's own, and say so.
    expect(bill.sent.source).toBe("estimated (tool outputs only)");
    expect(bill.cache.source).toBe("not reported");
    expect(bill.endless.requests).toBe(1);
    expect(bill.endless.savedTokens).toBe(bill.endless.toolTokensRaw - bill.endless.toolTokensSent);
    expect(bill.endless.savedTokens).toBeGreaterThan(0);
    expect(bill.stockTokens).toBe(bill.sent.tokens + bill.endless.savedTokens);
    expect(await main(["stats", "--archive", join(dir.path, "none.db")], io)).toBe(2);
    expect(err.join("")).toContain("no archive at");
  });
});

test("endless stats reads the archive without changing it, and refuses another schema version", async () => {
  using dir = tmpdir();
  const path = join(dir.path, "a.db");
  await archivedSession(path);
  const db = openArchive(path);
  db.run("PRAGMA user_version = 99");
  db.close();
  const before = await Bun.file(path).bytes();
  const err: string[] = [];
  expect(await main(["stats", "--archive", path], { out: () => {}, err: (t) => err.push(t) })).toBe(2);
  expect(err.join("")).toContain("schema version 99");
  expect(await Bun.file(path).bytes()).toEqual(before);
});
