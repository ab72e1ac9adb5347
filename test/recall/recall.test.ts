import { describe, expect, test } from "bun:test";
import { openArchive } from "../../src/archive/open.ts";
import { archiveToolCall } from "../../src/archive/tool-calls.ts";
import { MAX_PAGE_BYTES, pageLines } from "../../src/recall/page.ts";
import { RecallErrors, recall } from "../../src/recall/recall.ts";

const original = Array.from({ length: 3000 }, (_, i) => `${i}: export const value${i} = compute(${i * 7});`).join("\n");

function archive() {
  const db = openArchive(":memory:");
  archiveToolCall(db, { sessionID: "s", callID: "toolu_big", tool: "read", input: {}, output: original, tokens: 1 }, "replace");
  archiveToolCall(db, { sessionID: "s", callID: "toolu_small", tool: "bash", input: {}, output: "ok\n", tokens: 1 }, "replace");
  return db;
}

describe("recall by id", () => {
  test("returns a short original byte for byte after one header line", () => {
    const text = recall(archive(), "s", { id: "toolu_small" });
    const [header, ...rest] = text.split("\n");
    expect(header).toContain("complete");
    expect(rest.join("\n")).toBe("ok\n");
  });

  test("pages a long original, and following the hints rebuilds it exactly", () => {
    const db = archive();
    let offset = 0;
    let rebuilt = "";
    for (let pages = 0; pages < 100; pages++) {
      const text = recall(db, "s", { id: "toolu_big", offset });
      const body = text.slice(text.indexOf("\n") + 1);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      rebuilt += body;
      const next = /"offset":(\d+)/.exec(text.split("\n")[0]!);
      if (!next) break;
      offset = Number(next[1]);
    }
    expect(rebuilt).toBe(original);
  });

  test("explains an unknown id, a missing argument, both arguments, and an offset past the end", () => {
    const db = archive();
    expect(recall(db, "s", { id: "toolu_nope" })).toBe(RecallErrors.unknownId("toolu_nope"));
    expect(recall(db, "s", {})).toBe(RecallErrors.neither);
    expect(recall(db, "s", { query: "   " })).toBe(RecallErrors.neither);
    expect(recall(db, "s", { id: "toolu_big", query: "x" })).toBe(RecallErrors.both);
    expect(recall(db, "s", { id: "toolu_small", offset: 50 })).toBe(RecallErrors.offsetPastEnd("toolu_small", 2));
  });
});

describe("recall by query", () => {
  test("returns ranked snippets with the ids to open", () => {
    const text = recall(archive(), "s", { query: "value2999" });
    expect(text).toContain("toolu_big (read)");
    expect(text).toContain("»value2999«");
  });

  test("says so when nothing matches or the query has no words", () => {
    expect(recall(archive(), "s", { query: "zebra" })).toBe(RecallErrors.noHits("zebra"));
    expect(recall(archive(), "s", { query: "!!!" })).toBe(RecallErrors.badQuery("!!!"));
  });
});

describe("pageLines", () => {
  test("respects the line limit and reports where to continue", () => {
    const page = pageLines("a\nb\nc\nd", 1, 2);
    expect(page).toEqual({ text: "b\nc\n", firstLine: 2, lastLine: 3, totalLines: 4, nextOffset: 3 });
  });
});

describe("recall by query finds text inside longer tokens and lists where it first appeared", () => {
  function session(outputs: readonly string[]) {
    const db = openArchive(":memory:");
    outputs.forEach((output, i) => {
      archiveToolCall(db, { sessionID: "s", callID: `toolu_${i}`, tool: "bash", input: {}, output, tokens: 1 }, "replace");
    });
    return db;
  }

  test("a version inside a tag (v1.4.0) and a path inside a longer path are found", () => {
    const db = session(["tags: v1.3.9 v1.4.0 v1.14.0", "see core/package.json and docs/readme.md"]);
    const versions = recall(db, "s", { query: "1.4.0" });
    expect(versions).toContain("1. toolu_0 (bash)");
    expect(versions).toContain("v»1.4.0«");
    expect(recall(db, "s", { query: "package.json" })).toContain("1. toolu_1 (bash)");
    expect(recall(db, "s", { query: "1.5.0" })).toBe(RecallErrors.noHits("1.5.0"));
  });

  test("outputs holding the query as written come before outputs that only have its words", () => {
    const db = session(["the build failed with code 7 after the retry", "retry failed: the build stopped", "the build failed"]);
    const text = recall(db, "s", { query: "build failed" });
    const order = [...text.matchAll(/^\d+\. (toolu_\d+) /gm)].map((m) => m[1]);
    expect(order.slice(0, 2).sort()).toEqual(["toolu_0", "toolu_2"]);
    expect(order[2]).toBe("toolu_1");
  });

  test("with more matches than fit, the oldest output holding the text in its case is still listed", () => {
    const outputs = [
      "the package.json of the root",
      "PACKAGE.JSON in capitals",
      ...Array.from({ length: 30 }, (_, i) => `package.json package.json package.json ${i}`),
    ];
    const text = recall(session(outputs), "s", { query: "package.json" });
    const listed = [...text.matchAll(/^\d+\. (toolu_\d+) /gm)].map((m) => m[1]);
    expect(listed).toHaveLength(10);
    expect(listed).toContain("toolu_0");
    expect(listed).not.toContain("toolu_1");
  });
});
