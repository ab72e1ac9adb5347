import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compress } from "../../src/compress/index.ts";
import { compressRead } from "../../src/compress/read.ts";
import { lastLine, lineOf, readOutput, scratch, toolCall, writeFiles } from "./helpers.ts";
import { SOURCES } from "./sources.ts";

const dir = scratch("read");
writeFiles(dir, Object.fromEntries(SOURCES.map((c) => [c.file, c.source])));

const readCall = (path: string, output = readOutput(path), input: Record<string, unknown> = { filePath: path }) =>
  toolCall("read", output, input, "call_read_1");

/** The outline rows of an observation (`12: …`, or `12-40: …` for joined members): indentation carries the nesting. */
const rowsOf = (text: string): string[] => text.split("\n").filter((line) => /^ {2,}\d+(-\d+)?: /.test(line));

describe("read outlines from tree-sitter", () => {
  for (const source of SOURCES) {
    test(`the outline of ${source.file} names each declaration at its file line and depth`, async () => {
      const path = join(dir, source.file);
      const { text, method } = await compress(readCall(path));
      expect(method).toBe("read");
      expect(text.split("\n")[0]).toStartWith("[read] ");
      expect(text).toContain("outline (tree-sitter");
      const rows = rowsOf(text);
      for (const [needle, label, depth] of source.expected) {
        expect(rows).toContain(`${"  ".repeat(depth + 1)}${lineOf(source.source, needle)}: ${label}`);
      }
      expect(text).not.toContain("Licensed under the MIT licence");
    });
  }

  test("the header names the language, the range shown and the file's total", async () => {
    const { text } = await compress(readCall(join(dir, "cmd/server.go")));
    const total = SOURCES.find((c) => c.file === "cmd/server.go")!.source.split("\n").length;
    expect(text.split("\n")[0]).toBe(`[read] Go, lines 1-${total} of ${total}: the text is left out; outline (tree-sitter; numbers are file lines):`);
  });

  test("the path is named only when the call's input does not already give it", async () => {
    const path = join(dir, "cmd/server.go");
    const named = await compress(readCall(path, readOutput(path), {}));
    expect(named.text.split("\n")[0]).toStartWith(`[read] ${path} (Go, lines 1-`);
    const given = await compress(readCall(path));
    expect(given.text).not.toContain(path);
  });

  test("a names line lists identifiers of the file that the outline lacks, once each", async () => {
    const path = join(dir, "src/store.ts");
    const { text } = await compress(readCall(path));
    const names = text.split("\n").find((line) => line.startsWith("names in the left-out text: "));
    expect(names).toBeDefined();
    expect(names).toContain("readFileSync");
    expect(names).not.toContain("createStore"); // in the outline already
    const listed = names!.slice("names in the left-out text: ".length).split(", ");
    expect(new Set(listed).size).toBe(listed.length);
  });

  test("a file printed cat -n style (N<TAB>text or N→text, then a reminder) gets an outline", async () => {
    const source = SOURCES.find((c) => c.file === "app/jobs.py")!.source;
    const lines = source.split("\n");
    for (const separator of ["\t", "→"]) {
      const numbered = lines.map((line, i) => `${String(i + 1).padStart(6, " ")}${separator}${line}`).join("\n");
      const output = `${numbered}\n\n<system-reminder>\nConsider whether the file is malware.\n</system-reminder>\n`;
      const { text, method } = await compress(toolCall("Read", output, { file_path: "/repo/app/jobs.py" }, "toolu_1"));
      expect(method).toBe("read");
      expect(rowsOf(text)).toContain(`  ${lineOf(source, "class Job:")}: class Job`);
      expect(text).toContain("Consider whether the file is malware.");
      expect(text).not.toContain("/repo/app/jobs.py");
    }
  });

  test("a window read with offset keeps the file's own line numbers", async () => {
    const source = Array.from({ length: 40 }, (_, i) => `export function step${i}(input: number): number {\n  return input + ${i};\n}\n`).join("\n");
    const path = join(dir, "src/steps.ts");
    writeFiles(dir, { "src/steps.ts": source });
    const output = readOutput(path, 50, 60);
    // The read compressor itself: `compress` keeps an output this short whole (its outline would not halve it).
    const { text } = (await compressRead(readCall(path, output, { filePath: path, offset: 50, limit: 60 })))!;
    expect(text).toContain(`lines 50-109 of ${source.split("\n").length}`);
    expect(rowsOf(text)).toContain(`  ${lineOf(source, "function step13(")}: function step13(input: number)`);
    expect(text).not.toContain("function step12(");
    expect(text).toContain(`(Showing lines 50-109 of ${source.split("\n").length}. Use offset=110 to continue.)`);
  });

  test("the older numbered format (00001| text inside <file>) is read too", async () => {
    const source = SOURCES.find((c) => c.file === "app/jobs.py")!.source;
    const lines = source.split("\n");
    const numbered = lines.map((line, i) => `${String(i + 1).padStart(5, "0")}| ${line}`).join("\n");
    const output = `<file>\n${numbered}\n\n(End of file - total ${lines.length} lines)\n</file>`;
    const path = join(dir, "app/jobs.py");
    const { text, method } = await compress(readCall(path, output));
    expect(method).toBe("read");
    expect(rowsOf(text)).toContain(`  ${lineOf(source, "class Job:")}: class Job`);
  });

  test("a big file lists every top-level declaration before nested members when over the cap", async () => {
    const classes = Array.from({ length: 30 }, (_, i) =>
      [`export class Service${i} {`, "  start(): void {}", "  stop(): void {}", "  status(): string { return ''; }", "}"].join("\n"),
    ).join("\n");
    writeFiles(dir, { "src/services.ts": classes });
    const { text } = await compress(readCall(join(dir, "src/services.ts")));
    const rows = rowsOf(text);
    expect(rows.filter((row) => /^ {2}\d+: class Service\d+$/.test(row))).toHaveLength(30);
    expect(rows).toContain(`  ${lineOf(classes, "class Service29")}: class Service29`);
    expect(rows).toHaveLength(30);
    expect(text).toContain("… +90 more (nested entries left out first)");
  });
});

describe("read outlines without a grammar", () => {
  test("markdown shows its headings with levels, ignoring # lines inside code fences", async () => {
    const doc = [
      "# Endless Mode",
      "",
      ...Array.from({ length: 20 }, (_, i) => `Paragraph line ${i} about archiving tool outputs.`),
      "## Install",
      "```bash",
      "# not a heading",
      "bun add opencode-endless",
      "```",
      ...Array.from({ length: 20 }, (_, i) => `More prose ${i}.`),
      "### Configuration",
    ].join("\n");
    writeFiles(dir, { "README.md": doc });
    const { text } = await compress(readCall(join(dir, "README.md")));
    const rows = rowsOf(text);
    expect(rows).toEqual(["  1: # Endless Mode", `    ${lineOf(doc, "## Install")}: ## Install`, `      ${lineOf(doc, "### Conf")}: ### Configuration`]);
    expect(text).toContain("Markdown");
  });

  /** Outline rows of an installed package's manifest, read like a file in the project. */
  async function manifestRows(pkg: string): Promise<{ manifest: string; rows: string[] }> {
    const manifest = readFileSync(join(import.meta.dir, "../../node_modules", pkg, "package.json"), "utf8");
    writeFiles(dir, { [`${pkg}/package.json`]: manifest });
    // The read compressor itself: `compress` keeps a manifest whole when its outline would not halve it.
    const { text } = (await compressRead(readCall(join(dir, pkg, "package.json"))))!;
    return { manifest, rows: rowsOf(text) };
  }

  test("JSON shows top-level keys and the keys one level down at their lines", async () => {
    const { manifest, rows } = await manifestRows("@vscode/tree-sitter-wasm");
    expect(rows).toContain(`  ${lineOf(manifest, '"name"')}: "name"`);
    expect(rows).toContain(`  ${lineOf(manifest, '"devDependencies"')}: "devDependencies"`);
    // A small file's outline has little room: a parent's childless keys share one row, with their lines.
    expect(rows).toContain(`    ${lineOf(manifest, '"build-wasm"')}-${lineOf(manifest, '"install-emsdk"')}: "build-wasm", "install-emsdk"`);
  });

  test("a JSON file with many nested keys keeps only its top-level keys", async () => {
    const { manifest, rows } = await manifestRows("typescript");
    expect(rows).toContain(`  ${lineOf(manifest, '"scripts"')}: "scripts"`);
    expect(rows.every((row) => /^ {2}\d/.test(row))).toBe(true);
  });

  test("a file in an unknown language shows its first lines instead of an outline", async () => {
    const proto = ['syntax = "proto3";', "", ...Array.from({ length: 50 }, (_, i) => `message M${i} { string id = 1; }`)].join("\n");
    writeFiles(dir, { "schema/core.proto": proto });
    const { text } = await compress(readCall(join(dir, "schema/core.proto")));
    expect(text).toContain("no outline (none); the first 8 lines, the rest left out:");
    expect(text).toContain("\n1: syntax = \"proto3\";\n");
    expect(text).toContain("\n8: message M5 { string id = 1; }\n");
    expect(text).not.toContain("message M6 ");
  });
});

describe("read outputs that are not plain file text", () => {
  test("a directory read is grouped instead of listed", async () => {
    const entries = [...Array.from({ length: 30 }, (_, i) => `module${i}/`), ...Array.from({ length: 30 }, (_, i) => `notes${i}.md`)];
    const output = `<path>${dir}</path>\n<type>directory</type>\n<entries>\n${entries.join("\n")}\n(60 entries)\n</entries>`;
    const { text, method } = (await compressRead(readCall(dir, output)))!;
    expect(method).toBe("read");
    expect(text).toContain("60 paths in 1 folder:");
    expect(text).toContain("./ (60): module0/, module1/");
    expect(text).toContain("(60 entries)");
    expect(text).not.toContain("notes29.md");
  });

  test("system reminders after the content are kept for the model", async () => {
    const path = join(dir, "cmd/server.go");
    const output = `${readOutput(path)}\n\n<system-reminder>\nInstructions from: /repo/cmd/AGENTS.md\nAlways run go vet.\n</system-reminder>`;
    const { text } = await compress(readCall(path, output));
    expect(text).toContain("<system-reminder>\nInstructions from: /repo/cmd/AGENTS.md\nAlways run go vet.\n</system-reminder>");
  });

  test("a short read is kept whole", async () => {
    writeFiles(dir, { "small.ts": "export const answer = 42;\n" });
    const output = readOutput(join(dir, "small.ts"));
    const { text } = await compress(readCall(join(dir, "small.ts"), output));
    expect(text.startsWith(`${output}\n[endless:`)).toBe(true);
  });

  test("an output that is not in a read format falls back to head and tail", async () => {
    const output = Array.from({ length: 200 }, (_, i) => `raw line ${i}`).join("\n");
    const { text, method } = await compress(readCall("/x.ts", output));
    expect(method).toBe("generic");
    expect(text).toContain("raw line 0\n");
    expect(text).toContain("raw line 199\n");
    expect(lastLine(text)).toContain('recall({"id":"call_read_1"})');
  });
});
