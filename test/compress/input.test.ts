import { describe, expect, test } from "bun:test";
import { bulkyFields, elideInput, inputRecallHandle, inputStandIn } from "../../src/compress/input.ts";

const source = (lines: number, tag = "line") =>
  Array.from({ length: lines }, (_, i) => `export const ${tag}${i} = compute(${i}, "some text to make it long");`).join("\n");

const CONTENT = `import { z } from "zod";\n\n${source(80)}\n`;

describe("elideInput", () => {
  test("a write's content becomes a stand-in; filePath and the key order stay; the result is a plain JSON object", () => {
    const input = { content: CONTENT, filePath: "/p/src/schema.ts" };
    const elided = elideInput("toolu_w", input)!;
    expect(Object.keys(elided.input)).toEqual(["content", "filePath"]);
    expect(elided.input.filePath).toBe("/p/src/schema.ts");
    expect(typeof elided.input.content).toBe("string");
    expect(JSON.parse(JSON.stringify(elided.input))).toEqual(elided.input);
    expect(elided.fields).toEqual([{ path: "content", text: CONTENT }]);
    const standIn = elided.input.content as string;
    expect(standIn.length * 2).toBeLessThanOrEqual(CONTENT.length);
    expect(standIn).toBe(
      [
        `[endless: content elided from this earlier call (83 lines, ${Buffer.byteLength(CONTENT)} bytes); the tool received it in full. It began:`,
        `import { z } from "zod";`,
        `export const line0 = compute(0, "some text to make it long");`,
        `Full text: recall({"id":"toolu_w","part":"input"})]`,
      ].join("\n"),
    );
  });

  test("is deterministic and leaves the given input untouched", () => {
    const input = { filePath: "/p/a.ts", oldString: source(40, "old"), newString: source(50, "new"), replaceAll: false };
    const before = structuredClone(input);
    const a = JSON.stringify(elideInput("toolu_e", input));
    const b = JSON.stringify(elideInput("toolu_e", structuredClone(input)));
    expect(a).toBe(b);
    expect(input).toEqual(before);
    const elided = elideInput("toolu_e", input)!;
    expect(elided.input.replaceAll).toBe(false);
    expect(elided.fields.map((f) => f.path)).toEqual(["oldString", "newString"]);
  });

  test("a short edit string stays as it is while a long one is elided", () => {
    const elided = elideInput("toolu_e", { file_path: "/p/a.py", old_string: "x = 1", new_string: source(60) })!;
    expect(elided.input.old_string).toBe("x = 1");
    expect(elided.input.file_path).toBe("/p/a.py");
    expect(elided.input.new_string).toContain("[endless: new_string elided");
    expect(elided.fields.map((f) => f.path)).toEqual(["new_string"]);
  });

  test("multiedit edits keep their shape: an array of objects with string fields", () => {
    const input = {
      filePath: "/p/a.ts",
      edits: [
        { oldString: "a", newString: "b" },
        { oldString: source(30, "o"), newString: source(30, "n"), replaceAll: true },
      ],
    };
    const elided = elideInput("toolu_m", input)!;
    const edits = elided.input.edits as Record<string, unknown>[];
    expect(edits).toHaveLength(2);
    expect(edits[0]).toEqual({ oldString: "a", newString: "b" });
    expect(edits[1]!.replaceAll).toBe(true);
    expect(edits[1]!.oldString).toContain("[endless: edits[1].oldString elided");
    expect(typeof edits[1]!.newString).toBe("string");
    expect(elided.fields.map((f) => f.path)).toEqual(["edits[1].oldString", "edits[1].newString"]);
    expect(input.edits[1]!.oldString).toBe(source(30, "o"));
  });

  test("a patch's stand-in lists its file lines", () => {
    const files = Array.from({ length: 8 }, (_, i) => `*** Update File: src/f${i}.ts\n@@\n${source(12, `v${i}`)}`);
    const patchText = `*** Begin Patch\n${files.join("\n")}\n*** End Patch`;
    const standIn = elideInput("toolu_p", { patchText })!.input.patchText as string;
    expect(standIn).toContain("Files:\n*** Update File: src/f0.ts\n");
    expect(standIn).toContain("*** Update File: src/f5.ts\n… and 2 more\n");
    expect(standIn).not.toContain("src/f6.ts");
    expect(standIn.endsWith(`Full text: ${inputRecallHandle("toolu_p")}]`)).toBe(true);
  });

  test("inputs without bulky text fields are left alone", () => {
    expect(elideInput("toolu_b", { command: source(100), description: "a long command" })).toBeUndefined();
    expect(elideInput("toolu_r", { filePath: "/p/a.ts", offset: 10 })).toBeUndefined();
    expect(elideInput("toolu_x", { content: [{ type: "text", text: source(100) }] })).toBeUndefined();
    expect(elideInput("toolu_s", { content: "short" })).toBeUndefined();
  });

  test("long preview lines are cut", () => {
    const text = `${"a".repeat(500)}\n${source(20)}`;
    const standIn = inputStandIn("toolu_l", { path: "content", text });
    expect(standIn.split("\n")[1]).toBe(`${"a".repeat(100)}…`);
  });
});

describe("bulkyFields", () => {
  test("finds the known text fields at the top level and in edit lists, in order", () => {
    const input = { file_text: "x", path: "/p", edits: [{ old_str: "y", new_str: "z", other: "w" }], patchText: "p" };
    expect(bulkyFields(input).map((f) => f.path)).toEqual(["file_text", "edits[0].old_str", "edits[0].new_str", "patchText"]);
  });
});
