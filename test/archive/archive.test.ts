import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadFrontier, saveFrontier } from "../../src/archive/frontier.ts";
import { resolveFullOutput } from "../../src/archive/full-output.ts";
import { MIGRATIONS } from "../../src/archive/migrations.ts";
import { ArchiveError, defaultArchivePath, openArchive } from "../../src/archive/open.ts";
import { searchToolCalls, toFtsQuery } from "../../src/archive/search.ts";
import { archiveToolCall, findToolCall } from "../../src/archive/tool-calls.ts";
import { tmpdir } from "../fake/tmp.ts";

const call = (over: Partial<Parameters<typeof archiveToolCall>[1]> = {}) => ({
  sessionID: "ses_1",
  callID: "toolu_1",
  tool: "bash",
  input: { command: "npm test" },
  output: "FAIL src/parser.test.ts\nTypeError: cannot read property 'frobnicate' of undefined",
  tokens: 20,
  ...over,
});

describe("openArchive", () => {
  test("creates a private WAL database at the default path under XDG_DATA_HOME", () => {
    using dir = tmpdir();
    const path = defaultArchivePath({ XDG_DATA_HOME: dir.path });
    expect(path).toBe(join(dir.path, "opencode-endless", "archive.db"));
    const db = openArchive(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version).toBe(MIGRATIONS.length);
    db.close();
  });

  test("keeps what was archived across a close and reopen", () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    const first = openArchive(path);
    archiveToolCall(first, call(), "replace");
    first.close();
    const again = openArchive(path);
    expect(findToolCall(again, "ses_1", "toolu_1")?.output).toContain("frobnicate");
    again.close();
  });

  test("names the file and the fix when the file is not an archive", () => {
    using dir = tmpdir();
    const path = join(dir.path, "garbage.db");
    writeFileSync(path, "this is not a sqlite database, just some text that was here before ".repeat(100));
    expect(() => openArchive(path)).toThrow(ArchiveError);
    expect(() => openArchive(path)).toThrow(/garbage\.db.*move it aside.*archivePath/);
  });

  test("refuses an archive written by a newer schema instead of guessing", () => {
    using dir = tmpdir();
    const path = join(dir.path, "future.db");
    const db = new Database(path);
    db.run(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openArchive(path)).toThrow(/newer than this plugin knows/);
  });
});

describe("tool calls", () => {
  test("a late archive from the transform never overwrites the hook's full output", () => {
    const db = openArchive(":memory:");
    archiveToolCall(db, call({ output: "the full text" }), "replace");
    archiveToolCall(db, call({ output: "a cut copy" }), "keep");
    expect(findToolCall(db, "ses_1", "toolu_1")?.output).toBe("the full text");
    archiveToolCall(db, call({ output: "newer full text" }), "replace");
    expect(findToolCall(db, "ses_1", "toolu_1")?.output).toBe("newer full text");
  });

  test("an id never reaches another session's archived output", () => {
    const db = openArchive(":memory:");
    archiveToolCall(db, call({ sessionID: "ses_other_project" }), "replace");
    expect(findToolCall(db, "ses_mine", "toolu_1")).toBeUndefined();
    expect(findToolCall(db, "ses_other_project", "toolu_1")?.output).toContain("frobnicate");
  });

  test("full-text search ranks this session's matches and ignores other sessions", () => {
    const db = openArchive(":memory:");
    archiveToolCall(db, call(), "replace");
    archiveToolCall(db, call({ callID: "toolu_2", output: "all green: 12 passed" }), "replace");
    archiveToolCall(db, call({ sessionID: "ses_other", callID: "toolu_3" }), "replace");
    const hits = searchToolCalls(db, { sessionID: "ses_1", query: "frobnicate TypeError", limit: 5 });
    expect(hits.map((h) => h.callID)).toEqual(["toolu_1"]);
    expect(hits[0]!.snippet).toContain("»frobnicate«");
    expect(searchToolCalls(db, { sessionID: "ses_1", query: "src/parser.test.ts", limit: 5 })).toHaveLength(1);
  });

  test("exact-text search stays within the session and marks the match in its snippet", () => {
    const db = openArchive(":memory:");
    archiveToolCall(db, call({ output: `${"x".repeat(200)} pinned lodash@4.17.21 in yarn.lock ${"y".repeat(200)}` }), "replace");
    archiveToolCall(db, call({ sessionID: "ses_other", callID: "toolu_9", output: "lodash@4.17.21" }), "replace");
    const hits = searchToolCalls(db, { sessionID: "ses_1", query: "4.17.21", limit: 5 });
    expect(hits.map((h) => h.callID)).toEqual(["toolu_1"]);
    expect(hits[0]!.snippet).toContain("lodash@»4.17.21« in yarn.lock");
    expect(hits[0]!.snippet.startsWith("… ")).toBe(true);
    expect(hits[0]!.snippet.length).toBeLessThan(160);
  });

  test("turns any text into a safe FTS5 query", () => {
    expect(toFtsQuery('src/a.ts "x" OR')).toBe('"src a ts" AND "x" AND "OR"');
    expect(toFtsQuery("  ... ()  ")).toBeUndefined();
  });
});

describe("resolveFullOutput", () => {
  const whole = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\n");
  const shownFor = (path: string) => `line 4990\n...output truncated...\n\nFull output saved to: ${path}`;

  test("archives the saved file's whole text when opencode cut the output short", async () => {
    using dir = tmpdir();
    const outputs = join(dir.path, "opencode", "tool-output");
    mkdirSync(outputs, { recursive: true });
    const saved = join(outputs, "tool_abc");
    writeFileSync(saved, whole);
    const full = await resolveFullOutput(shownFor(saved), { truncated: true, outputPath: saved }, outputs);
    expect(full).toEqual({ output: whole, shownOutput: shownFor(saved), fullOutputPath: saved });
  });

  test("never lets the output's text choose the file: only opencode's metadata names it", async () => {
    using dir = tmpdir();
    const outputs = join(dir.path, "tool-output");
    mkdirSync(outputs);
    const text = "Full output saved to: /proc/self/environ";
    expect(await resolveFullOutput(text, {}, outputs)).toEqual({ output: text });
    expect(await resolveFullOutput(text, { exit: 0 }, outputs)).toEqual({ output: text });
  });

  test("refuses files outside opencode's tool-output folder, symlinks into it, and missing files", async () => {
    using dir = tmpdir();
    const outputs = join(dir.path, "tool-output");
    mkdirSync(outputs);
    const secret = join(dir.path, "secret.env");
    writeFileSync(secret, "API_KEY=sk-should-never-be-archived");
    const link = join(outputs, "tool_link");
    symlinkSync(secret, link);
    for (const path of ["/proc/self/environ", secret, link, join(outputs, "tool_gone")]) {
      const full = await resolveFullOutput(shownFor(path), { truncated: true, outputPath: path }, outputs);
      expect(full).toEqual({ output: shownFor(path), fullOutputPath: path });
    }
  });
});

describe("frontier", () => {
  const state = (batch: number, renders: [string, string][], inputs: [string, string][]) => ({
    batch,
    renders: new Map(renders),
    inputs: new Map(inputs),
  });

  test("renders and input stand-ins round-trip; a later batch can replace or drop a stand-in", () => {
    const db = openArchive(":memory:");
    const input = JSON.stringify({ content: "[endless: content elided …]", filePath: "/p/a.ts" });
    saveFrontier(db, "ses_1", state(1, [["toolu_w", "Wrote file successfully."], ["toolu_b", "obs"]], [["toolu_w", input]]));
    expect(loadFrontier(db, "ses_1")).toEqual(state(1, [["toolu_w", "Wrote file successfully."], ["toolu_b", "obs"]], [["toolu_w", input]]));
    saveFrontier(db, "ses_1", state(2, [["toolu_w", "Wrote file successfully."], ["toolu_b", "obs"]], []));
    expect(loadFrontier(db, "ses_1").inputs.size).toBe(0);
    expect(loadFrontier(db, "ses_2")).toEqual(state(0, [], []));
  });

  test("given the state the archive holds, a save writes only the calls whose render or input changed", () => {
    const db = openArchive(":memory:");
    const input = JSON.stringify({ content: "[endless: content elided …]" });
    const first = state(1, [["toolu_a", "obs a"], ["toolu_b", "obs b"]], [["toolu_b", input]]);
    saveFrontier(db, "ses_1", first);
    // A row the previous state claims (but the archive lacks) is left unwritten: only the diff goes.
    db.run("DELETE FROM renders WHERE call_id = 'toolu_a'");
    const next = state(2, [["toolu_a", "obs a"], ["toolu_b", "obs b"], ["toolu_c", "obs c"]], []);
    saveFrontier(db, "ses_1", next, first);
    expect(loadFrontier(db, "ses_1")).toEqual(state(2, [["toolu_b", "obs b"], ["toolu_c", "obs c"]], []));
    // Without a previous state, every call is written.
    saveFrontier(db, "ses_1", next);
    expect(loadFrontier(db, "ses_1")).toEqual(next);
  });

  test("an archive written before input stand-ins opens with its renders intact and no stand-ins", () => {
    using dir = tmpdir();
    const path = join(dir.path, "v1.db");
    const old = new Database(path);
    old.run(MIGRATIONS[0]!);
    old.run("PRAGMA user_version = 1");
    old.run("INSERT INTO frontiers (session_id, batch, updated_at) VALUES ('ses_1', 3, 0)");
    old.run("INSERT INTO renders (session_id, call_id, text, batch) VALUES ('ses_1', 'toolu_1', 'obs', 3)");
    old.close();
    const db = openArchive(path);
    expect(db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version).toBe(MIGRATIONS.length);
    expect(loadFrontier(db, "ses_1")).toEqual(state(3, [["toolu_1", "obs"]], []));
    db.close();
  });
});
