import { Database } from "bun:sqlite";
import { writeNewerArchive } from "../fake/newer-archive.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openArchive } from "../../src/archive/open.ts";
import type { Msg } from "../../src/harness/fake-messages.ts";
import { driven, sha } from "../fake/driven.ts";
import { lockHolder } from "../fake/lock-holder.ts";
import { startMockAnthropic } from "../../src/harness/mock-anthropic.ts";
import { createProviderRegistry } from "../../src/observer/providers.ts";
import type { WorkerEvent } from "../../src/observer/worker.ts";
import type { Level } from "../../src/log/logger.ts";
import { tmpdir } from "../fake/tmp.ts";
import { smallFilesystem, tmpfsSkipMessage } from "../fake/tmpfs.ts";

/** The link tries an out file again after 2 s. */
const RETRY_WAIT_MS = 2_100;

const warnings = (lines: { level: Level; message: string }[]) => lines.filter((l) => l.level === "warn" || l.level === "error");

function archivedOutputs(path: string, sessionID: string, ids: Iterable<string>) {
  const db = new Database(path, { readonly: true });
  try {
    expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
    return [...ids].map((id) => db.query<{ output: string }, [string, string]>("SELECT output FROM tool_calls WHERE session_id = ? AND call_id = ?").get(sessionID, id)?.output);
  } finally {
    db.close();
  }
}

/** Every original of the session is in the archive file, byte for byte. */
function expectAllArchived(path: string, sessionID: string, originals: Map<string, string>): void {
  const archived = archivedOutputs(path, sessionID, originals.keys());
  expect(archived.map((text) => (text === undefined ? undefined : sha(text)))).toEqual([...originals.values()].map(sha));
}

const fs = smallFilesystem(1024);
const roFs = smallFilesystem(4096);
const queueFs = smallFilesystem(8192);
afterAll(() => {
  fs?.[Symbol.dispose]();
  queueFs?.[Symbol.dispose]();
  roFs?.[Symbol.dispose]();
});
if (!fs || !roFs || !queueFs) console.warn(`[faults] ${tmpfsSkipMessage}`);

describe.skipIf(!fs)("a real full disk mid-session", () => {
  test("compression goes on, one warning, every handle recalls byte for byte, and archiving resumes with no row lost", async () => {
    const path = join(fs!.path, "archive.db");
    const s = await driven(path, "ses_full");
    for (let i = 0; i < 4; i++) await s.call(`before${i}`);
    fs!.fill();
    let sent: Msg[] = [];
    for (let i = 0; i < 10; i++) sent = await s.call(`full${i}`);
    expect(s.compressed(sent)).toBeGreaterThan(8);
    expect(await s.recallAll(sent)).toBeGreaterThan(8);
    expect(warnings(s.lines)).toHaveLength(1);
    expect(warnings(s.lines)[0]!.message).toContain("refused a write");
    fs!.free();
    await Bun.sleep(RETRY_WAIT_MS);
    sent = await s.call("after");
    expect(s.lines.some((l) => l.message.includes("takes writes again"))).toBe(true);
    expect(warnings(s.lines)).toHaveLength(1);
    expectAllArchived(path, "ses_full", s.originals);
    expect(await s.recallAll(sent)).toBeGreaterThan(8);
    await s.hooks.dispose?.();
  }, 60_000);
});

describe.skipIf(!queueFs)("a real full disk under the ledger, the compression queue and the step rows", () => {
  test("their writes keep to memory without an error per call, and move into the archive once it takes writes again", async () => {
    const path = join(queueFs!.path, "archive.db");
    const sessionID = "ses_queue";
    await using cmp = startMockAnthropic({ script: () => ({ text: "1200 lines of values; nothing failed." }) });
    const events: WorkerEvent[] = [];
    const s = await driven(
      path,
      sessionID,
      { compression: { models: { main: "cmp/mini" }, minOutputTokens: 100, prices: { "cmp/mini": { input: 1, output: 5 } } } },
      { providers: createProviderRegistry({ env: {}, authFile: "/nonexistent" }), onEvent: (e) => events.push(e), backoffBaseMs: 20 },
    );
    await s.hooks.config!({ provider: { cmp: { npm: "@ai-sdk/openai-compatible", options: { baseURL: cmp.baseURL, apiKey: "k" } } } } as never);
    const params = [
      { sessionID, agent: "build", model: { providerID: "main", id: "big", limit: { context: 100_000, output: 4_000 } }, provider: { source: "config", info: { id: "main" }, options: {} }, message: {} },
      { temperature: 0, topP: 1, topK: 0, options: {} },
    ] as never as [never, never];
    await s.hooks["chat.params"]!(...params);
    let steps = 0;
    const step = async (tag: string) => {
      await s.call(tag);
      const input = { sessionID, messageID: `msg_${tag}`, agent: "build", model: { id: "big", providerID: "main" }, tokens: { input: 900, output: 20, cache: { read: 500, write: 100 } } };
      await s.hooks["experimental.chat.step.finish"]!(input, {});
      steps++;
    };
    const finished = () => events.filter((e) => e.type === "finished" && e.state === "done").length;
    const settle = async (done: number) => {
      for (let i = 0; i < 200 && finished() < done; i++) await Bun.sleep(25);
    };
    for (let i = 0; i < 3; i++) await step(`before${i}`);
    await settle(3);
    queueFs!.fill();
    for (let i = 0; i < 6; i++) await step(`full${i}`);
    await settle(9);
    // Jobs queued once the file refused writes ran from the memory queue; those it took before wait for it.
    expect(finished()).toBeGreaterThan(3);
    expect(s.lines.filter((l) => l.level === "error")).toEqual([]);
    expect(warnings(s.lines).map((l) => l.message)).toHaveLength(1);
    expect(warnings(s.lines)[0]!.message).toContain("refused a write");
    queueFs!.free();
    await Bun.sleep(RETRY_WAIT_MS);
    await step("after");
    await settle(10);
    expect(finished()).toBe(10);
    await s.hooks.dispose?.();
    expect(s.lines.some((l) => l.message.includes("takes writes again"))).toBe(true);
    expect(warnings(s.lines)).toHaveLength(1);

    const db = new Database(path, { readonly: true });
    try {
      const count = (sql: string) => db.query<{ n: number }, [string]>(sql).get(sessionID)?.n;
      expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
      const ledger = JSON.parse(db.query<{ state: string }, [string]>("SELECT state FROM ledgers WHERE session_id = ?").get(sessionID)!.state) as { calls: { id: string }[] };
      expect(ledger.calls.map((c) => c.id)).toEqual([...s.originals.keys()]);
      expect(count("SELECT count(*) AS n FROM steps WHERE session_id = ?")).toBe(steps);
      // One logged request per transform.
      expect(count("SELECT count(*) AS n FROM requests WHERE session_id = ?")).toBe(s.originals.size);
      expect(count("SELECT count(*) AS n FROM compression_jobs WHERE session_id = ? AND state = 'done'")).toBe(s.originals.size);
      expect(count("SELECT count(*) AS n FROM compression_spend WHERE session_id = ?")).toBe(s.originals.size);
      expect(count("SELECT count(*) AS n FROM observations o JOIN tool_calls c ON c.id = o.call_row WHERE c.session_id = ? AND o.method = 'llm'")).toBe(s.originals.size);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe.skipIf(!roFs)("a read-only data folder", () => {
  test("Endless runs from memory, says so once, and moves everything into the archive once the folder is writable", async () => {
    const dir = join(roFs!.path, "ro");
    mkdirSync(dir);
    const path = join(dir, "archive.db");
    openArchive(path).close();
    roFs!.remount("ro");
    try {
      const s = await driven(path, "ses_ro");
      let sent: Msg[] = [];
      for (let i = 0; i < 6; i++) sent = await s.call(`ro${i}`);
      expect(s.compressed(sent)).toBeGreaterThan(3);
      expect(await s.recallAll(sent)).toBeGreaterThan(3);
      expect(warnings(s.lines)).toHaveLength(1);
      roFs!.remount("rw");
      await Bun.sleep(RETRY_WAIT_MS);
      await s.call("rw");
      expectAllArchived(path, "ses_ro", s.originals);
      expect(warnings(s.lines)).toHaveLength(1);
    } finally {
      roFs!.remount("rw");
    }
  }, 60_000);
});

describe("faults that need no mount", () => {
  test("the data folder deleted mid-session: archiving goes on in a new file, refilled from the request's copies", async () => {
    using root = tmpdir();
    const dir = join(root.path, "data");
    const path = join(dir, "archive.db");
    const s = await driven(path, "ses_gone");
    for (let i = 0; i < 5; i++) await s.call(`kept${i}`);
    rmSync(dir, { recursive: true, force: true });
    let sent: Msg[] = [];
    for (let i = 0; i < 3; i++) sent = await s.call(`later${i}`);
    expect(s.compressed(sent)).toBeGreaterThan(4);
    expect(await s.recallAll(sent)).toBeGreaterThan(4);
    expect(warnings(s.lines)).toHaveLength(1);
    expect(warnings(s.lines)[0]!.message).toContain("vanished");
    expectAllArchived(path, "ses_gone", s.originals);
  }, 60_000);

  test("an archive of a newer schema is left untouched; Endless compresses from memory and says to upgrade", async () => {
    using dir = tmpdir();
    const path = join(dir.path, "archive.db");
    writeNewerArchive(path);
    const bytes = readFileSync(path);
    const s = await driven(path, "ses_new");
    let sent: Msg[] = [];
    for (let i = 0; i < 6; i++) sent = await s.call(`n${i}`);
    expect(s.compressed(sent)).toBeGreaterThan(3);
    expect(await s.recallAll(sent)).toBeGreaterThan(3);
    expect(warnings(s.lines)).toHaveLength(1);
    expect(warnings(s.lines)[0]!.message).toContain("upgrade opencode-endless");
    await Bun.sleep(RETRY_WAIT_MS);
    await s.call("still");
    expect(readFileSync(path).equals(bytes)).toBe(true);
  }, 60_000);
});

test("another process holding the write lock: hooks wait within their budget, never until it lets go, and no row is lost", async () => {
  using dir = tmpdir();
  const path = join(dir.path, "archive.db");
  const s = await driven(path, "ses_lock");
  await s.call("first");
  const holder = lockHolder(path, 6_000);
  await holder.locked;
  let released = false;
  void holder.child.exited.then(() => (released = true));
  for (let i = 0; i < 5; i++) {
    await s.call(`locked${i}`);
    expect(released).toBe(false);
  }
  expect(warnings(s.lines)).toHaveLength(1);
  expect(warnings(s.lines)[0]!.message).toContain("database is locked");
  expect(await holder.child.exited).toBe(0);
  await Bun.sleep(RETRY_WAIT_MS);
  await s.call("after");
  expectAllArchived(path, "ses_lock", s.originals);
  expect(archivedOutputs(path, "ses_other", ["toolu_other"])).toEqual(["theirs"]);
}, 60_000);

test("while the archive is out, recall and search still answer only the session that asks", async () => {
  using dir = tmpdir();
  const path = join(dir.path, "archive.db");
  writeNewerArchive(path);
  const mine = await driven(path, "ses_mine");
  await mine.call("secretword");
  const recall = (sessionID: string, args: Record<string, unknown>) => mine.hooks.tool!.recall!.execute(args as never, { sessionID } as never);
  expect(String(await recall("ses_mine", { id: "toolu_secretword" }))).toContain("secretword line 0");
  expect(String(await recall("ses_mine", { query: "secretword" }))).toContain("toolu_secretword");
  expect(String(await recall("ses_other", { id: "toolu_secretword" }))).toContain("no archived output");
  expect(String(await recall("ses_other", { query: "secretword" }))).toContain("nothing in this session's archive");
});
