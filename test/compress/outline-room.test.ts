import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compress } from "../../src/compress/index.ts";
import { languageOf } from "../../src/compress/grammars.ts";
import { formatOutline, outlineOf } from "../../src/compress/outline.ts";
import { lastLine, readOutput } from "./helpers.ts";

/** Real source files of installed packages, read as opencode's read tool prints them. */
const ROOT = join(import.meta.dir, "../../node_modules");
const FILES = ["zod/src/v4/classic/schemas.ts", "zod/src/v4/classic/from-json-schema.ts", "zod/src/v4/classic/errors.ts"];

const size = (rows: readonly string[]) => rows.reduce((n, row) => n + row.length + 1, 0);

describe("outlines whose detail follows the room the file gives", () => {
  for (const file of FILES) {
    test(`${file}: within a room, every top-level declaration stays and rows get shorter, never longer`, async () => {
      const source = readFileSync(join(ROOT, file), "utf8");
      const outline = await outlineOf(languageOf(file), source);
      expect(outline.entries.some((entry) => entry.depth === 0)).toBe(true);
      const lineOf = (row: number) => row + 1;
      const full = formatOutline(outline.entries, lineOf);
      let previous = Infinity;
      for (const room of [Infinity, 4000, 1500, 600]) {
        const rows = formatOutline(outline.entries, lineOf, room);
        expect(size(rows)).toBeLessThanOrEqual(Math.min(previous, size(full)) + 80); // the "+N more" row
        previous = size(rows);
        // The room is a target: top-level declarations are never dropped for it (the cap of 80 aside).
        const text = rows.join("\n");
        for (const entry of outline.entries.filter((e) => e.depth === 0).slice(0, 80)) {
          expect({ room, entry: entry.label, shown: text.includes(entry.label.slice(entry.label.indexOf(" ") + 1)) }).toEqual({ room, entry: entry.label, shown: true });
        }
      }
    });
  }

  test("a real file's observation is byte-identical twice, at most half the output, and ends with its handle", async () => {
    for (const file of FILES) {
      const path = join(ROOT, file);
      const call = { tool: "read", callID: `call_${file.length}`, input: { filePath: path }, output: readOutput(path) };
      const first = await compress(call);
      const second = await compress({ ...call, input: { ...call.input } });
      expect(second.text).toBe(first.text);
      expect(first.method).toBe("read");
      expect(first.text.length).toBeLessThanOrEqual(call.output.length / 2);
      expect(lastLine(first.text)).toEndWith(`recall({"id":"${call.callID}"})]`);
    }
  });
});
