import { describe, expect, test } from "bun:test";
import { tool as pluginTool } from "@opencode-ai/plugin";
import { openArchive } from "../../src/archive/open.ts";
import { archiveToolCall } from "../../src/archive/tool-calls.ts";
import { LINE_PIECE_CHARS, MAX_PAGE_BYTES, MAX_PAGE_LINES, pageLines } from "../../src/recall/page.ts";
import { RecallErrors, recall } from "../../src/recall/recall.ts";
import { createRecallTool } from "../../src/recall/tool.ts";

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
    expect(recall(db, "s", { id: "toolu_small", offset: 50 })).toBe(RecallErrors.offsetPastEnd("toolu_small", 1));
  });
});

describe("recall by query", () => {
  test("returns ranked snippets with the ids to open", () => {
    const text = recall(archive(), "s", { query: "value2999" });
    expect(text).toContain("toolu_big (read)");
    expect(text).toContain("»value2999«");
  });

  test("finds a query without words as written", () => {
    expect(recall(archive(), "s", { query: ");" })).toContain("toolu_big (read)");
  });

  test("says so when nothing matches or the query has no words", () => {
    expect(recall(archive(), "s", { query: "zebra" })).toBe(RecallErrors.noHits("zebra"));
    expect(recall(archive(), "s", { query: "!!!" })).toBe(RecallErrors.noHits("!!!"));
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

const z = pluginTool.schema;

describe("recall of an input", () => {
  const content = Array.from({ length: 2500 }, (_, i) => `line ${i}: export const v${i} = ${i * 3};`).join("\n");
  const oldString = Array.from({ length: 40 }, (_, i) => `old ${i} ${"o".repeat(40)}`).join("\n");
  const newString = Array.from({ length: 50 }, (_, i) => `new ${i} ${"n".repeat(40)}`).join("\n");

  function inputs() {
    const db = openArchive(":memory:");
    const add = (callID: string, tool: string, input: Record<string, unknown>) =>
      archiveToolCall(db, { sessionID: "s", callID, tool, input, output: "done", tokens: 1 }, "replace");
    add("toolu_write", "write", { content, filePath: "/p/big.ts" });
    add("toolu_edit", "edit", { filePath: "/p/a.ts", oldString, newString });
    add("toolu_bash", "bash", { command: "npm test", description: "Run the tests" });
    return db;
  }

  test("returns the elided field byte for byte, paged with hints that keep the part", () => {
    const db = inputs();
    const first = recall(db, "s", { id: "toolu_write", part: "input" });
    expect(first.split("\n")[0]).toContain("toolu_write: write input field content, lines 1-1000 of 2500");
    expect(first.split("\n")[0]).toContain('recall({"id":"toolu_write","part":"input","offset":1000})');
    let offset = 0;
    let rebuilt = "";
    for (let pages = 0; pages < 10; pages++) {
      const text = recall(db, "s", { id: "toolu_write", part: "input", offset });
      rebuilt += text.slice(text.indexOf("\n") + 1);
      const next = /"offset":(\d+)/.exec(text.split("\n")[0]!);
      if (!next) break;
      offset = Number(next[1]);
    }
    expect(rebuilt).toBe(content);
  });

  test("several elided fields come one after another, each after a line naming it", () => {
    const text = recall(inputs(), "s", { id: "toolu_edit", part: "input" });
    const [header, ...body] = text.split("\n");
    expect(header).toContain("edit input fields oldString, newString");
    expect(header).toContain("complete");
    expect(body.join("\n")).toBe(`--- oldString ---\n${oldString}\n--- newString ---\n${newString}`);
  });

  test("an input with nothing elided comes back whole as JSON; output stays the default part", () => {
    const db = inputs();
    const text = recall(db, "s", { id: "toolu_bash", part: "input" });
    expect(text.split("\n")[0]).toContain("bash input (JSON; nothing was elided)");
    expect(JSON.parse(text.slice(text.indexOf("\n") + 1))).toEqual({ command: "npm test", description: "Run the tests" });
    expect(recall(db, "s", { id: "toolu_bash" })).toBe(recall(db, "s", { id: "toolu_bash", part: "output" }));
    expect(recall(db, "s", { id: "toolu_bash" }).split("\n")[1]).toBe("done");
  });

  test("explains a part without an id, an unknown id and an offset past the end", () => {
    const db = inputs();
    expect(recall(db, "s", { query: "export", part: "input" })).toBe(RecallErrors.partWithoutId);
    expect(recall(db, "s", { part: "input" })).toBe(RecallErrors.partWithoutId);
    expect(recall(db, "s", { id: "toolu_nope", part: "input" })).toBe(RecallErrors.unknownId("toolu_nope"));
    expect(recall(db, "s", { id: "toolu_edit", part: "input", offset: 500 })).toBe(RecallErrors.offsetPastEnd("toolu_edit", 92));
  });

  test("the tool's schema accepts part output or input and rejects anything else", () => {
    const tool = createRecallTool({ db: inputs(), log: () => {} });
    const args = z.object(tool.args);
    expect(args.safeParse({ id: "toolu_write", part: "input" }).success).toBe(true);
    expect(args.safeParse({ id: "toolu_write", part: "output" }).success).toBe(true);
    expect(args.safeParse({ id: "toolu_write", part: "inputs" }).success).toBe(false);
    expect(tool.description).toContain('recall({"id":"<call id>","part":"input"})');
  });

  test("a trailing newline ends the last line: no empty page after it", () => {
    expect(pageLines("a\nb\n", 0, 1)).toEqual({ text: "a\n", firstLine: 1, lastLine: 1, totalLines: 2, nextOffset: 1 });
    expect(pageLines("a\nb\n", 1, 1)).toEqual({ text: "b\n", firstLine: 2, lastLine: 2, totalLines: 2, nextOffset: undefined });
  });

  test("a line longer than a page comes in pieces that join back to it exactly", () => {
    const text = `head\n${"x".repeat(LINE_PIECE_CHARS * 9 + 123)}\ntail`;
    let rebuilt = "";
    let offset: number | undefined = 0;
    for (let pages = 0; offset !== undefined && pages < 50; pages++) {
      const page = pageLines(text, offset, 1_000);
      expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      rebuilt += page.text;
      offset = page.nextOffset;
    }
    expect(rebuilt).toBe(text);
  });

  test("never returns more lines than opencode lets through", () => {
    const text = Array.from({ length: 5_000 }, (_, i) => String(i)).join("\n");
    expect(pageLines(text, 0, 5_000).lastLine).toBe(MAX_PAGE_LINES);
  });
});
