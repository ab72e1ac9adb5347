import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { COMPRESSOR_VERSION, compress, supersedeKey } from "../../src/compress/index.ts";
import { compressRead } from "../../src/compress/read.ts";
import type { ToolCall } from "../../src/compress/types.ts";
import { bodyOf, lastLine, readOutput, scratch, shell, toolCall, writeFiles } from "./helpers.ts";
import { SOURCES } from "./sources.ts";

const dir = scratch("index");
writeFiles(dir, Object.fromEntries(SOURCES.map((c) => [c.file, c.source])));
writeFiles(dir, Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`assets/icons/set${i % 4}/icon-${i}.svg`, "<svg/>"])));
// Files long enough that their outline takes most of the text away (a short file is kept whole, see below).
writeFiles(dir, {
  "src/steps.ts": Array.from({ length: 120 }, (_, i) => `export function step${i}(input: number): number {\n  return input + ${i};\n}\n`).join("\n"),
  "src/shapes.rs": Array.from({ length: 100 }, (_, i) => `pub fn area_${i}(width: f64, height: f64) -> f64 {\n    width * height * ${i}.0\n}\n`).join("\n"),
});

/** One realistic call per compressor family. */
function sampleCalls(): ToolCall[] {
  const log = shell("for i in $(seq 1 120); do echo \"step $i ok\"; done; echo 'error: step 121 failed'; seq 1 40", dir);
  // A sub-agent report keeps more of its lines than other outputs do: a longer one.
  const report = shell("for i in $(seq 1 400); do echo \"finding $i: src/module$i.ts exports handler$i\"; done", dir);
  const listing = shell(`find ${dir} -type f | sort`, dir).trimEnd();
  const grep = ["Found 60 matches", ...SOURCES.flatMap((c) => [`${join(dir, c.file)}:`, ...Array.from({ length: 5 }, (_, i) => `  Line ${i + 1}: // licence line ${i}`), ""])].join("\n");
  const json = JSON.stringify({ results: Array.from({ length: 200 }, (_, i) => ({ id: i, title: `Issue ${i}`, labels: ["bug"] })) });
  return [
    toolCall("bash", log, { command: "./run-steps.sh" }, "call_a"),
    toolCall("read", readOutput(join(dir, "src/steps.ts")), { filePath: join(dir, "src/steps.ts") }, "call_b"),
    toolCall("read", readOutput(join(dir, "src/shapes.rs")), { filePath: join(dir, "src/shapes.rs") }, "call_c"),
    toolCall("glob", listing, { pattern: "**/*" }, "call_d"),
    toolCall("grep", grep, { pattern: "licence" }, "call_e"),
    toolCall("task", report, { description: "steps" }, "call_f"),
    toolCall("github_search_issues", json, { q: "bug" }, "call_g"),
    toolCall("some_mcp_text_tool", log, {}, "call_h"),
    toolCall("webfetch", log, { url: "https://example.com" }, "call_i"),
  ];
}

const HANDLE = /^\[endless: (\d+) of (\d+) lines left out; recall\(\{"id":"([^"]+)"\}\)\]$/;

describe("compress", () => {
  test("is deterministic: the same call gives byte-identical text every time", async () => {
    for (const call of sampleCalls()) {
      const first = await compress(call);
      const second = await compress({ ...call, input: { ...call.input } });
      expect(second.text).toBe(first.text);
      expect(second.method).toBe(first.method);
    }
  });

  test("ends every observation with the handle of its call, counting the original exactly", async () => {
    for (const call of sampleCalls()) {
      const { text, version } = await compress(call);
      const handle = HANDLE.exec(lastLine(text));
      expect(handle).not.toBeNull();
      const [, leftLines, lines, id] = handle!;
      expect(id).toBe(call.callID);
      expect(Number(lines)).toBe(call.output.split("\n").length);
      expect(Number(leftLines)).toBeGreaterThan(0);
      expect(Number(leftLines)).toBeLessThanOrEqual(Number(lines));
      expect(version).toBe(COMPRESSOR_VERSION);
    }
  });

  test("makes every long sample smaller than its output", async () => {
    for (const call of sampleCalls()) {
      const { text } = await compress(call);
      expect({ tool: call.tool, id: call.callID, smaller: text.length < call.output.length }).toEqual({ tool: call.tool, id: call.callID, smaller: true });
    }
  });

  test("never throws, whatever the output looks like", async () => {
    const odd = [
      "",
      "\n\n\n",
      "x".repeat(300_000),
      "<path>/a.ts</path>\n<type>file</type>\n<content>\n" + "not numbered\n".repeat(100),
      "Found 3 matches\n" + "garbage\n".repeat(100),
      "\u0000\u0001\u0002binary\uFFFD".repeat(2000),
      "{".repeat(5000),
      "[" + "1,".repeat(3000) + "1]",
    ];
    for (const tool of ["bash", "read", "grep", "glob", "list", "webfetch", "task", "edit", "mcp_x"]) {
      for (const output of odd) {
        const { text } = await compress(toolCall(tool, output, { command: 42, filePath: null, pattern: ["x"] }));
        expect(HANDLE.test(lastLine(text))).toBe(true);
      }
    }
  });

  test("falls back to the generic head and tail when a compressor fails inside", async () => {
    const exploding = new Proxy<Record<string, unknown>>({}, {
      get: () => {
        throw new Error("exploded");
      },
      ownKeys: () => {
        throw new Error("exploded");
      },
    });
    const output = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
    // The bash compressor reads the exit code from the metadata; the names list reads the input.
    const observation = await compress({ tool: "bash", callID: "call_boom", input: exploding, output, metadata: exploding });
    expect(observation.method).toBe("generic");
    expect(observation.text).toContain("line 0\n");
    expect(lastLine(observation.text)).toContain('recall({"id":"call_boom"})');
  });

  test("keeps short outputs whole and says nothing was left out", async () => {
    const output = shell("ls -la", dir);
    const { text } = await compress(toolCall("bash", output, { command: "ls -la" }, "call_ls"));
    expect(bodyOf(text)).toBe(output);
    expect(lastLine(text)).toMatch(/^\[endless: 0 of \d+ lines left out; /);
  });

  test("keeps an output whole when its observation would not take at least half of it away", async () => {
    // A real read of a short manifest (an installed package's): its outline and names come to more than half of it.
    const path = join(dir, "package.json");
    writeFiles(dir, { "package.json": readFileSync(join(import.meta.dir, "../../node_modules/@vscode/tree-sitter-wasm/package.json"), "utf8") });
    const call = toolCall("read", readOutput(path), { filePath: path }, "call_small");
    const alone = (await compressRead(call))!;
    expect(alone.text.length).toBeGreaterThan(call.output.length / 2);
    const { text, method } = await compress(call);
    expect(method).toBe("read");
    expect(bodyOf(text)).toBe(call.output);
    expect(lastLine(text)).toBe(`[endless: 0 of ${call.output.split("\n").length} lines left out; recall({"id":"call_small"})]`);
  });

  test("exposes a positive integer version", () => {
    expect(Number.isInteger(COMPRESSOR_VERSION)).toBe(true);
    expect(COMPRESSOR_VERSION).toBeGreaterThan(0);
  });
});

describe("supersedeKey", () => {
  const key = (tool: string, input: Record<string, unknown>) => supersedeKey(toolCall(tool, "out", input));

  test("gives the same key for the same file and range, whatever the key order", () => {
    expect(key("read", { filePath: "/a.ts", offset: 10, limit: 20 })).toBe(key("read", { limit: 20, offset: 10, filePath: "/a.ts" }));
  });

  test("tells different files and ranges apart", () => {
    const whole = key("read", { filePath: "/a.ts" });
    expect(whole).toBeDefined();
    expect(key("read", { filePath: "/b.ts" })).not.toBe(whole);
    expect(key("read", { filePath: "/a.ts", offset: 10 })).not.toBe(whole);
    expect(key("read", { filePath: "/a.ts", offset: 10, limit: 5 })).not.toBe(key("read", { filePath: "/a.ts", offset: 10 }));
  });

  test("keys bash on the command and its working directory", () => {
    expect(key("bash", { command: "bun test", description: "a" })).toBe(key("bash", { command: "bun test", description: "b" }));
    expect(key("bash", { command: "bun test", workdir: "/x" })).not.toBe(key("bash", { command: "bun test" }));
    expect(key("bash", { command: "bun test" })).not.toBe(key("bash", { command: "bun test " }));
  });

  test("keys grep on pattern, path and include, and glob on pattern and path", () => {
    expect(key("grep", { pattern: "TODO", path: "/src" })).toBe(key("grep", { path: "/src", pattern: "TODO" }));
    expect(key("grep", { pattern: "TODO", path: "/src", include: "*.ts" })).not.toBe(key("grep", { pattern: "TODO", path: "/src" }));
    expect(key("glob", { pattern: "**/*.ts" })).not.toBe(key("glob", { pattern: "**/*.ts", path: "/src" }));
    expect(key("glob", { pattern: "TODO" })).not.toBe(key("grep", { pattern: "TODO" }));
  });

  test("is undefined for tools that change things or have no identity", () => {
    for (const tool of ["edit", "write", "apply_patch", "multiedit", "patch", "todowrite", "task", "webfetch", "github_search_issues"]) {
      expect(key(tool, { filePath: "/a.ts", command: "x", pattern: "y" })).toBeUndefined();
    }
    expect(key("read", {})).toBeUndefined();
    expect(key("bash", { command: 42 })).toBeUndefined();
  });
});
