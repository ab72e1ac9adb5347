import { Database } from "bun:sqlite";
import { writeNewerArchive } from "../fake/newer-archive.ts";
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/archive/migrations.ts";
import { movedAsidePath, openArchive, openOrRecoverArchive } from "../../src/archive/open.ts";
import { archiveToolCall, findToolCall } from "../../src/archive/tool-calls.ts";
import { rng } from "../fake/random-session.ts";
import { tmpdir } from "../fake/tmp.ts";

const NOW = new Date("2026-12-01T08:35:12.345Z");
const call = (i: number) => ({ sessionID: "ses_r", callID: `toolu_${i}`, tool: "bash", input: {}, output: `out ${i} `.repeat(2000), tokens: 1 });

/** A real archive with some rows, checkpointed so the main file holds them. */
function filledArchive(path: string): void {
  const db = openArchive(path);
  for (let i = 0; i < 200; i++) archiveToolCall(db, call(i), "replace");
  db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

const damages: Record<string, (path: string) => void> = {
  truncated: (path) => {
    filledArchive(path);
    truncateSync(path, Math.floor(statSync(path).size / 3));
  },
  "random bytes": (path) => {
    const next = rng(7);
    writeFileSync(path, Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.floor(next() * 256))));
  },
  "random bytes after a valid header": (path) => {
    filledArchive(path);
    const bytes = readFileSync(path);
    const next = rng(11);
    for (let i = 4096; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    writeFileSync(path, bytes);
  },
  "another program's schema": (path) => {
    const db = new Database(path);
    db.run("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    db.run("INSERT INTO notes (body) VALUES ('keep me')");
    db.close();
  },
  "our version number over the wrong tables": (path) => {
    const db = new Database(path);
    db.run("CREATE TABLE tool_calls (id INTEGER PRIMARY KEY)");
    db.run(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.close();
  },
};

describe("a damaged archive at start", () => {
  for (const [kind, damage] of Object.entries(damages)) {
    test(`${kind}: moved aside byte for byte with a timestamp (0600), a fresh private archive in its place`, () => {
      using dir = tmpdir();
      const path = join(dir.path, "archive.db");
      damage(path);
      const damagedBytes = readFileSync(path);
      const start = openOrRecoverArchive(path, { now: NOW });
      expect(start.kind).toBe("opened");
      if (start.kind !== "opened") return;
      expect(start.movedAside).toBe(movedAsidePath(path, NOW));
      expect(start.movedAside).toBe(`${path}.damaged-20261201T083512Z`);
      expect(readFileSync(start.movedAside!).equals(damagedBytes)).toBe(true);
      for (const name of readdirSync(dir.path)) expect([name, statSync(join(dir.path, name)).mode & 0o777]).toEqual([name, 0o600]);
      archiveToolCall(start.db, call(1), "replace");
      expect(findToolCall(start.db, "ses_r", "toolu_1")?.output).toBe(call(1).output);
      expect(start.db.query<{ n: number }, []>("SELECT count(*) AS n FROM tool_calls").get()?.n).toBe(1);
      start.db.close();
    });
  }

  test("a healthy archive is opened as it is, never moved", () => {
    using dir = tmpdir();
    const path = join(dir.path, "archive.db");
    filledArchive(path);
    const start = openOrRecoverArchive(path, { now: NOW });
    expect(start.kind).toBe("opened");
    expect(start.kind === "opened" ? start.movedAside : "not opened").toBeUndefined();
    if (start.kind === "opened") {
      expect(findToolCall(start.db, "ses_r", "toolu_199")?.output).toBe(call(199).output);
      start.db.close();
    }
    expect(readdirSync(dir.path).filter((n) => n.includes("damaged"))).toEqual([]);
  });

  test("a newer schema is never moved nor changed: the start says to upgrade", () => {
    using dir = tmpdir();
    const path = join(dir.path, "archive.db");
    writeNewerArchive(path);
    const before = readFileSync(path);
    const start = openOrRecoverArchive(path, { now: NOW });
    expect(start.kind).toBe("newer");
    if (start.kind === "newer") expect(start.reason).toContain("upgrade opencode-endless");
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir.path)).toEqual(["archive.db"]);
  });

  test("a damaged WAL archive moves with its WAL and SHM files, all 0600", () => {
    using dir = tmpdir();
    const path = join(dir.path, "archive.db");
    const live = openArchive(path);
    archiveToolCall(live, { ...call(1), output: "small" }, "replace");
    // Damaged while another connection holds the WAL open, so the -wal and -shm files exist beside it.
    writeFileSync(path, "garbage ".repeat(1000));
    writeFileSync(`${path}-wal`, "garbage ".repeat(1000));
    const start = openOrRecoverArchive(path, { now: NOW });
    live.close();
    expect(start.kind === "opened" ? "opened" : start.reason).toBe("opened");
    const names = readdirSync(dir.path).sort();
    expect(names.filter((n) => n.startsWith("archive.db.damaged-"))).toContain("archive.db.damaged-20261201T083512Z");
    for (const name of names) expect([name, statSync(join(dir.path, name)).mode & 0o777]).toEqual([name, 0o600]);
    if (start.kind === "opened") start.db.close();
  });
});

describe("archive permissions", () => {
  test("the folder Endless creates is 0700, the file and its WAL and SHM 0600, under a permissive umask", () => {
    using dir = tmpdir();
    const previous = process.umask(0o000);
    try {
      const path = join(dir.path, "made", "by", "endless", "archive.db");
      const db = openArchive(path);
      archiveToolCall(db, call(1), "replace");
      expect(statSync(join(dir.path, "made", "by", "endless")).mode & 0o777).toBe(0o700);
      for (const suffix of ["", "-wal", "-shm"]) expect([suffix, statSync(path + suffix).mode & 0o777]).toEqual([suffix, 0o600]);
      db.close();
    } finally {
      process.umask(previous);
    }
  });
});
