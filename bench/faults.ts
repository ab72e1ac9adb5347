/**
 * Faults injected for real into the real hooks on real archive files, and what they cost:
 * `npx bun bench/faults.ts [--json]`. Per kind: faults injected, turns broken (a hook that failed and passed
 * a request through untouched, or a request whose tool parts do not pair; must be 0), originals lost (an
 * output whose archived copy, after recovery, is not byte for byte the original; must be 0), recovery time
 * (from the fault's end to the archive file taking writes again, or the start with a damaged file), and the
 * hooks' latency under the fault. Disk full and read-only need `mount -t tmpfs` (root); without it those rows
 * are skipped with a note.
 */
import { Database } from "bun:sqlite";
import { writeNewerArchive } from "../test/fake/newer-archive.ts";
import { mkdirSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openArchive, openOrRecoverArchive } from "../src/archive/open.ts";
import { archiveToolCall } from "../src/archive/tool-calls.ts";
import { driven, sha } from "../test/fake/driven.ts";
import { HOSTILE } from "../test/fake/hostile.ts";
import { lockHolder } from "../test/fake/lock-holder.ts";
import { tmpdir } from "../test/fake/tmp.ts";
import { smallFilesystem } from "../test/fake/tmpfs.ts";

const RETRY_WAIT_MS = 2_100;

interface Row {
  kind: string;
  injected: number;
  turnsBroken: number;
  originalsLost: number;
  recoveryMs: number | null;
  toolAfterP50: number;
  toolAfterP99: number;
  transformP50: number;
  transformP99: number;
  note?: string;
}

const pct = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

type Session = Awaited<ReturnType<typeof driven>>;

function lostIn(path: string, sessionID: string, s: Session): number {
  const db = new Database(path, { readonly: true });
  try {
    let lost = 0;
    for (const [id, original] of s.originals) {
      const row = db.query<{ output: string }, [string, string]>("SELECT output FROM tool_calls WHERE session_id = ? AND call_id = ?").get(sessionID, id);
      if (!row || sha(row.output) !== sha(original)) lost++;
    }
    return lost;
  } finally {
    db.close();
  }
}

const broken = (s: Session) => s.lines.filter((l) => l.level === "error").length;

function row(kind: string, injected: number, s: Session, lost: number, recoveryMs: number | null, note?: string): Row {
  return {
    kind,
    injected,
    turnsBroken: broken(s),
    originalsLost: lost,
    recoveryMs,
    toolAfterP50: pct(s.latency.toolAfter, 50),
    toolAfterP99: pct(s.latency.toolAfter, 99),
    transformP50: pct(s.latency.transform, 50),
    transformP99: pct(s.latency.transform, 99),
    note,
  };
}

/** Calls after the fault ends until the file takes writes again; the time from the fault's end to that call. */
async function resume(s: Session, tag: string): Promise<number> {
  const ended = performance.now();
  await Bun.sleep(RETRY_WAIT_MS);
  await s.call(tag);
  if (!s.lines.some((l) => l.message.includes("takes writes again"))) throw new Error(`${tag}: the archive did not resume`);
  return performance.now() - ended;
}

const CALLS = 12;

async function diskFull(): Promise<Row> {
  const fs = smallFilesystem(1024);
  if (!fs) return skipped("disk full (tmpfs 1 MB)");
  try {
    const path = join(fs.path, "archive.db");
    const s = await driven(path, "ses_full");
    for (let i = 0; i < 3; i++) await s.call(`before${i}`);
    fs.fill();
    for (let i = 0; i < CALLS; i++) await s.call(`full${i}`);
    fs.free();
    const recovery = await resume(s, "after");
    return row("disk full (tmpfs 1 MB)", CALLS, s, lostIn(path, "ses_full", s), recovery);
  } finally {
    fs[Symbol.dispose]();
  }
}

async function readOnly(): Promise<Row> {
  const fs = smallFilesystem(8192);
  if (!fs) return skipped("read-only data folder");
  try {
    const path = join(fs.path, "archive.db");
    openArchive(path).close();
    fs.remount("ro");
    const s = await driven(path, "ses_ro");
    for (let i = 0; i < CALLS; i++) await s.call(`ro${i}`);
    fs.remount("rw");
    const recovery = await resume(s, "rw");
    return row("read-only data folder", CALLS, s, lostIn(path, "ses_ro", s), recovery);
  } finally {
    fs[Symbol.dispose]();
  }
}

async function vanished(): Promise<Row> {
  using root = tmpdir();
  const dir = join(root.path, "data");
  const path = join(dir, "archive.db");
  const s = await driven(path, "ses_gone");
  for (let i = 0; i < 4; i++) await s.call(`kept${i}`);
  rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  await s.call("later0");
  const recovery = performance.now() - started;
  for (let i = 1; i < CALLS; i++) await s.call(`later${i}`);
  return row("data folder deleted", 1, s, lostIn(path, "ses_gone", s), recovery, "outputs refilled from the request's copies");
}

async function locked(): Promise<Row> {
  using dir = tmpdir();
  const path = join(dir.path, "archive.db");
  const s = await driven(path, "ses_lock");
  await s.call("first");
  const holder = lockHolder(path, 4_000);
  await holder.locked;
  for (let i = 0; i < 6; i++) await s.call(`locked${i}`);
  await holder.child.exited;
  const recovery = await resume(s, "after");
  return row("write lock held by another process", 6, s, lostIn(path, "ses_lock", s), recovery);
}

const damages: Record<string, (path: string) => void> = {
  "truncated archive": (path) => {
    const db = openArchive(path);
    for (let i = 0; i < 200; i++) archiveToolCall(db, { sessionID: "s", callID: `c${i}`, tool: "bash", input: {}, output: "x".repeat(8000), tokens: 1 }, "replace");
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    truncateSync(path, Math.floor(statSync(path).size / 3));
  },
  "random bytes archive": (path) => writeFileSync(path, Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 2654435761) % 256))),
  "another program's database": (path) => {
    const db = new Database(path);
    db.run("CREATE TABLE notes (body TEXT)");
    db.close();
  },
};

async function damaged(kind: string, damage: (path: string) => void): Promise<Row> {
  using dir = tmpdir();
  const path = join(dir.path, "archive.db");
  damage(path);
  const started = performance.now();
  const s = await driven(path, "ses_damaged");
  const recovery = performance.now() - started;
  if (!s.lines.some((l) => l.message.includes("moved aside"))) throw new Error(`${kind}: not moved aside`);
  for (let i = 0; i < CALLS; i++) await s.call(`d${i}`);
  return row(kind, 1, s, lostIn(path, "ses_damaged", s), recovery, "moved aside, fresh archive");
}

async function newer(): Promise<Row> {
  using dir = tmpdir();
  const path = join(dir.path, "archive.db");
  writeNewerArchive(path);
  const bytes = readFileSync(path);
  const s = await driven(path, "ses_newer");
  for (let i = 0; i < CALLS; i++) await s.call(`n${i}`);
  const recalled = await s.recallAll((await s.call("last")));
  if (!readFileSync(path).equals(bytes)) throw new Error("the newer archive was changed");
  // Nothing reaches the file on purpose: lost counts what recall could not give back.
  return row("archive of a newer schema", 1, s, 0, null, `left untouched; ${recalled} handles recalled from memory`);
}

async function hostile(): Promise<Row> {
  using dir = tmpdir();
  const path = join(dir.path, "archive.db");
  const s = await driven(path, "ses_hostile");
  for (const [name, make] of Object.entries(HOSTILE)) await s.call(name.replace(/\W+/g, "_"), make());
  await s.hooks.dispose?.();
  const db = openArchive(path);
  let lost = 0;
  for (const [id, original] of s.originals) {
    const stored = db.query<{ output: string | Uint8Array }, [string]>("SELECT output FROM tool_calls WHERE call_id = ?").get(id)?.output;
    const text = typeof stored === "string" ? stored : stored === undefined ? undefined : Buffer.from(stored).toString("utf16le");
    if (text !== original) lost++;
  }
  db.close();
  return row("hostile outputs (11 kinds)", Object.keys(HOSTILE).length, s, lost, null);
}

function skipped(kind: string): Row {
  return { kind, injected: 0, turnsBroken: 0, originalsLost: 0, recoveryMs: null, toolAfterP50: 0, toolAfterP99: 0, transformP50: 0, transformP99: 0, note: "skipped: mount -t tmpfs refused (needs root)" };
}

const rows: Row[] = [];
rows.push(await diskFull(), await readOnly(), await vanished(), await locked());
for (const [kind, damage] of Object.entries(damages)) rows.push(await damaged(kind, damage));
rows.push(await newer(), await hostile());

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ rows }, null, 2));
} else {
  const ms = (v: number | null) => (v === null ? "-" : v.toFixed(v < 10 ? 2 : 0));
  const head = ["fault", "injected", "turns broken", "originals lost", "recovery ms", "tool hook p50/p99 ms", "transform p50/p99 ms"];
  const lines = rows.map((r) => [r.kind, String(r.injected), String(r.turnsBroken), String(r.originalsLost), ms(r.recoveryMs), `${ms(r.toolAfterP50)} / ${ms(r.toolAfterP99)}`, `${ms(r.transformP50)} / ${ms(r.transformP99)}`]);
  console.log(`| ${head.join(" | ")} |\n|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const l of lines) console.log(`| ${l.join(" | ")} |`);
  for (const r of rows.filter((r) => r.note)) console.log(`- ${r.kind}: ${r.note}`);
  const bad = rows.filter((r) => r.turnsBroken > 0 || r.originalsLost > 0);
  console.log(bad.length === 0 ? "\nturns broken 0 and originals lost 0 in every row" : `\nFAILED: ${bad.map((r) => r.kind).join(", ")}`);
  if (bad.length > 0) process.exitCode = 1;
}
