import { describe, expect, test } from "bun:test";
import { createIdleWork } from "../../src/archive/idle-work.ts";
import { openArchive } from "../../src/archive/open.ts";
import { createArchiveStore } from "../../src/archive/session-store.ts";
import { searchToolCalls } from "../../src/archive/search.ts";
import { archiveToolCall, findToolCall } from "../../src/archive/tool-calls.ts";
import { COMPRESSOR_VERSION } from "../../src/compress/index.ts";
import { findObservation } from "../../src/archive/observations.ts";

const output = Array.from({ length: 400 }, (_, i) => `row ${i}: the quick brown fox ${i * 7}`).join("\n");
const call = { sessionID: "s", callID: "toolu_i", tool: "bash", input: { command: "x" }, output, tokens: Math.ceil(output.length / 4) };
const unindexed = (db: ReturnType<typeof openArchive>) =>
  db.query<{ n: number }, []>("SELECT count(*) AS n FROM tool_calls WHERE indexed = 0").get()?.n;

describe("the archive's idle work", () => {
  test("a new row waits unindexed; a search indexes it first, so results are complete", () => {
    const db = openArchive(":memory:");
    archiveToolCall(db, call, "replace");
    expect(unindexed(db)).toBe(1);
    expect(searchToolCalls(db, { sessionID: "s", query: "quick brown", limit: 5 }).map((h) => h.callID)).toEqual(["toolu_i"]);
    expect(unindexed(db)).toBe(0);
  });

  test("a re-archived call is taken out of the index and indexed again with its new text", () => {
    const db = openArchive(":memory:");
    archiveToolCall(db, call, "replace");
    searchToolCalls(db, { sessionID: "s", query: "quick", limit: 5 });
    archiveToolCall(db, { ...call, output: "completely different zebra text" }, "replace");
    expect(searchToolCalls(db, { sessionID: "s", query: "zebra", limit: 5 })).toHaveLength(1);
    expect(searchToolCalls(db, { sessionID: "s", query: "quick brown", limit: 5 })).toHaveLength(0);
    // FTS5 checks its index against the content table and throws if they disagree.
    expect(() => db.run("INSERT INTO tool_calls_fts (tool_calls_fts, rank) VALUES ('integrity-check', 1)")).not.toThrow();
  });

  test("flushing makes the exact token count, the observation and the index, and runs after a quiet moment", async () => {
    const db = openArchive(":memory:");
    const idle = createIdleWork({ db, store: createArchiveStore(db), log: () => {}, delayMs: 10 });
    archiveToolCall(db, call, "replace");
    idle.add("s", call);
    const row = findToolCall(db, "s", "toolu_i")!;
    expect(findObservation(db, row.row, COMPRESSOR_VERSION)).toBeUndefined();
    await Bun.sleep(100);
    expect(findObservation(db, row.row, COMPRESSOR_VERSION)).toContain('recall({"id":"toolu_i"})');
    expect(findToolCall(db, "s", "toolu_i")!.tokens).not.toBe(call.tokens);
    expect(unindexed(db)).toBe(0);
  });
});
