import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { openOrRecoverArchive } from "../../src/archive/open.ts";
import { killSessionStep } from "../fake/kill-session.ts";
import { rng } from "../fake/random-session.ts";
import { tmpdir } from "../fake/tmp.ts";

const KILLS = 52;
const SEED = 2026;
const CHILD = new URL("../fake/kill-child.ts", import.meta.url).pathname;
const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

type Line = { stored?: string; sent?: number; batch?: number; outputs?: Record<string, string> };
const rawSha = (callID: string) => sha(killSessionStep(SEED, Number(callID.slice("toolu_k".length))).output);

test(`kill -9 at ${KILLS} random points of a session: the archive opens cleanly, holds every stored output, and the frontier resumes byte for byte`, async () => {
  using dir = tmpdir();
  const archivePath = join(dir.path, "archive.db");
  const next = rng(SEED);
  let stored = 0;
  let lastSent: Line | undefined;
  let resumedChecks = 0;
  let compressedChecked = 0;
  let movedAfterLastSent = false;
  for (let kill = 0; kill < KILLS; kill++) {
    const child = Bun.spawn([process.execPath, CHILD, archivePath, String(SEED), String(lastSent?.sent ?? 0), String(stored)], { stdout: "pipe", stderr: "ignore" });
    const reader = child.stdout.getReader();
    let text = "";
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        text += new TextDecoder().decode(value);
      }
    };
    const ready = readUntil(() => text.includes('"ready"'));
    await Promise.race([ready, Bun.sleep(20_000)]);
    // Random points once the plugin is up: while it re-sends, mid-hook, mid-transform (seeded, so a failure
    // replays). Counted from the child's own progress (after 0-2 new stored outputs), then 0-250 ms, so a
    // loaded machine slows the session down but does not keep it from getting anywhere.
    const stores = Math.floor(next() * 3);
    await Promise.race([readUntil(() => (text.match(/"stored"/g) ?? []).length >= stores), Bun.sleep(20_000)]);
    await Bun.sleep(Math.floor(next() * 250));
    child.kill("SIGKILL");
    expect(await child.exited).not.toBe(0);
    await ready;
    await readUntil(() => false);
    const lines = text.split("\n").filter((l) => l.startsWith("{") && !l.includes('"ready"')).flatMap((l) => {
      try {
        return [JSON.parse(l) as Line];
      } catch {
        return []; // The line the kill cut short.
      }
    });

    // The first request after a restart repeats the last one sent before it byte for byte; when the kill
    // came after a later request had saved a moved frontier (the archive's batch is past the one that
    // request left, and no sent line followed), that batch stands and only the calls already compressed
    // before must keep their bytes.
    const resent = lines.find((l) => l.sent !== undefined);
    if (lastSent !== undefined && resent !== undefined && resent.sent === lastSent.sent) {
      const compressedBefore = Object.entries(lastSent.outputs!).filter(([id, h]) => h !== rawSha(id));
      if (movedAfterLastSent) for (const [id, h] of compressedBefore) expect([id, resent.outputs![id]]).toEqual([id, h]);
      else expect(resent.outputs).toEqual(lastSent.outputs!);
      resumedChecks++;
      compressedChecked += compressedBefore.length;
    }
    stored += lines.filter((l) => l.stored !== undefined).length;
    const lastSentIndex = lines.findLastIndex((l) => l.sent !== undefined);
    if (lastSentIndex >= 0) lastSent = lines[lastSentIndex];

    const start = openOrRecoverArchive(archivePath);
    expect(start.kind === "opened" && start.movedAside === undefined).toBe(true);
    if (start.kind === "opened") start.db.close();
    const db = new Database(archivePath, { readonly: true });
    expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
    const archived = db.query<{ batch: number }, [string]>("SELECT batch FROM frontiers WHERE session_id = ?").get(`ses_kill_${SEED}`)?.batch ?? 0;
    movedAfterLastSent = lastSent !== undefined && archived > lastSent.batch!;
    for (let i = 0; i < stored; i++) {
      const row = db.query<{ output: string }, [string]>("SELECT output FROM tool_calls WHERE call_id = ?").get(`toolu_k${i}`);
      expect([i, row ? sha(row.output) : "missing"]).toEqual([i, sha(killSessionStep(SEED, i).output)]);
    }
    db.close();
  }
  expect(stored).toBeGreaterThan(20);
  // Kills that land before the first re-send finishes compare nothing; the rest must all match (checked above).
  expect(resumedChecks).toBeGreaterThan(5);
  expect(compressedChecked).toBeGreaterThan(0);
}, 400_000);
