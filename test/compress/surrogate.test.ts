import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { compress } from "../../src/compress/index.ts";
import { elideInput } from "../../src/compress/input.ts";
import { readOutput, scratch, toolCall, writeFiles } from "./helpers.ts";

/**
 * Text whose characters are all astral (two UTF-16 units each), after `lead` ASCII letters: with lead 0 a
 * pair starts at every even index, with lead 1 at every odd one, so between the two every cut at a width
 * falls inside a pair once.
 */
const astral = (lead: number, chars: number, seed = 0) =>
  "x".repeat(lead) + Array.from({ length: chars }, (_, i) => String.fromCodePoint(0x1f600 + ((i + seed) % 64))).join("");

const dir = scratch("surrogate");
const LONE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

/** Outputs of each compressor that cuts lines at a width, every long line astral from its start or its second unit. */
function outputs(lead: number): { name: string; tool: string; output: string; input?: Record<string, unknown> }[] {
  const text = Array.from({ length: 120 }, (_, i) => astral(lead, 150, i)).join("\n");
  const markdown = Array.from({ length: 40 }, (_, i) => `# ${astral(lead, 90, i)}\n\n${astral(lead, 300, i)}\n`).join("\n");
  writeFiles(dir, { [`text${lead}.txt`]: text, [`notes${lead}.md`]: markdown });
  const grep = [
    "Found 60 matches",
    ...Array.from({ length: 30 }, (_, f) => [`/repo/src/f${f}.ts:`, `  Line 3: ${astral(lead, 120, f)}`, `  Line 9: ${astral(lead, 120, f + 1)}`].join("\n")),
  ].join("\n");
  const glob = Array.from({ length: 200 }, (_, i) => `/repo/assets/${astral(lead, 60, i)}${i}.png`).join("\n");
  const html = `<html><head><title>${astral(lead, 250)}</title></head><body>${Array.from({ length: 30 }, (_, i) => `<h2>${astral(lead, 90, i)}</h2><p>${astral(lead, 900, i)}</p>`).join("\n")}</body></html>`;
  const json = JSON.stringify(Array.from({ length: 80 }, (_, i) => ({ id: i, name: astral(lead, 90, i), note: astral(lead, 200, i) })));
  const bash = Array.from({ length: 300 }, (_, i) => `step ${i}: ${astral(lead, 250, i)}`).join("\n");
  return [
    { name: "read, long text lines", tool: "read", output: readOutput(join(dir, `text${lead}.txt`)), input: { filePath: join(dir, `text${lead}.txt`) } },
    { name: "read, markdown headings", tool: "read", output: readOutput(join(dir, `notes${lead}.md`)), input: { filePath: join(dir, `notes${lead}.md`) } },
    { name: "grep matches", tool: "grep", output: grep, input: { pattern: "x" } },
    { name: "glob paths", tool: "glob", output: glob, input: { pattern: "**/*.png" } },
    { name: "webfetch html", tool: "webfetch", output: html, input: { url: "https://example.com", format: "html" } },
    { name: "webfetch markdown", tool: "webfetch", output: markdown, input: { url: "https://example.com", format: "markdown" } },
    { name: "json shape", tool: "mcp_dump", output: json },
    { name: "bash lines", tool: "bash", output: bash, input: { command: "run" } },
  ];
}

describe("a width cut never splits a surrogate pair", () => {
  for (const lead of [0, 1]) {
    for (const { name, tool, output, input } of outputs(lead)) {
      test(`${name} (astral from unit ${lead})`, async () => {
        expect(output.isWellFormed()).toBe(true);
        const { text, method } = await compress(toolCall(tool, output, input));
        expect(method).not.toBe("whole");
        expect(text.isWellFormed()).toBe(true);
        // Nor as an escape in a JSON sample (JSON.stringify writes half a pair as \udXXX).
        expect(text).not.toMatch(LONE_ESCAPE);
        expect(text.length).toBeLessThanOrEqual(output.length);
      });
    }
  }

  test("an elided input's preview lines (write content, a patch's file lines)", () => {
    for (const lead of [0, 1]) {
      const content = Array.from({ length: 60 }, (_, i) => astral(lead, 120, i)).join("\n");
      const patch = ["*** Begin Patch", ...Array.from({ length: 8 }, (_, i) => `*** Update File: ${astral(lead, 120, i)}\n@@\n-${astral(lead, 300, i)}\n+${astral(lead, 300, i + 1)}`), "*** End Patch"].join("\n");
      for (const [key, text] of [["content", content], ["patchText", patch]] as const) {
        const elided = elideInput("toolu_a", { [key]: text, filePath: "/p/f.txt" })!;
        const standIn = elided.input[key] as string;
        expect(standIn.isWellFormed()).toBe(true);
        expect(standIn.length).toBeLessThanOrEqual(text.length);
      }
    }
  });
});
