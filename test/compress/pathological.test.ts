import { describe, expect, test } from "bun:test";
import { compress } from "../../src/compress/index.ts";

/**
 * Inputs that made a compressor's regular expressions backtrack (cubic or quadratic). Compression runs on
 * opencode's event loop, so these must stay fast; the sizes are chosen so that the old expressions took
 * 7-13 s each here, past the default 5 s test timeout, while the current ones take milliseconds.
 */
const call = (tool: string, output: string, input: Record<string, unknown> = {}) => ({ tool, callID: "toolu_p", input, output });

describe("compressors on pathological outputs", () => {
  test("a markdown heading line with thousands of spaces", async () => {
    const output = `intro\n# a${" ".repeat(3_500)}b\n${Array.from({ length: 50 }, (_, i) => `text ${i}`).join("\n")}`;
    const { text } = await compress(call("webfetch", output, { url: "https://example.test", format: "markdown" }));
    expect(text).toContain('recall({"id":"toolu_p"})');
  });

  test("an HTML page full of <path> tags after its last paragraph", async () => {
    const prose = "All the icons of the project in one page, for the documentation and for the people who draw them.";
    const svg = `<svg>\n${'<path d="M0 0 L10 10"/>\n'.repeat(35_000)}</svg>`;
    const html = `<!doctype html>\n<html>\n<head><title>Icons</title></head>\n<body>\n<h1>Icons</h1>\n<p>${prose}</p>\n${svg}\n</body>\n</html>`;
    const { text } = await compress(call("webfetch", html, { url: "https://example.test", format: "html" }));
    expect(text).toContain("title: Icons");
    expect(text).toContain(prose);
  });

  test("a command output of many blank lines, with and without opencode's metadata block", async () => {
    const blank = `start\n${"\n".repeat(150_000)}end`;
    expect((await compress(call("bash", blank, { command: "x" }))).text).toContain('recall({"id":"toolu_p"})');
    const withMeta = `${blank}\n\n<bash_metadata>\nexit code: 4\n</bash_metadata>`;
    expect((await compress(call("bash", withMeta, { command: "x" }))).text).toContain("exit code 4");
  });
});
