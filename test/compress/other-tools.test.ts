import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compress } from "../../src/compress/index.ts";
import { bodyOf, lineOf, scratch, shell, toolCall } from "./helpers.ts";

const dir = scratch("other");

/** A git repository with 40 real commits, summarised like a GitHub API search result (an MCP tool's JSON). */
function commitSearchJson(): string {
  shell("git init -q repo && cd repo && git config user.email dev@example.com && git config user.name Dev", dir);
  shell("cd repo && for i in $(seq 1 40); do echo $i > f$((i % 7)).txt; git add -A; git commit -qm \"fix: handle case $i in the parser so that long inputs no longer overflow the buffer\"; done", dir);
  const log = shell("cd repo && git log --format='@@%H%x09%an%x09%aI%x09%s' --name-only", dir);
  const items = log
    .split("@@")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const [head = "", ...names] = block.trim().split("\n").filter(Boolean);
      const [sha, name, date, message] = head.split("\t");
      return { sha, commit: { author: { name, date }, message }, files: names.map((filename) => ({ filename, status: "modified" })) };
    });
  return JSON.stringify({ total_count: items.length, incomplete_results: false, items }, null, 2);
}

describe("unknown and MCP tools", () => {
  test("a JSON output becomes a shape summary with keys, array lengths and cut samples", async () => {
    const output = commitSearchJson();
    const { text, method } = await compress(toolCall("github_search_commits", output, { q: "fix" }));
    expect(method).toBe("json");
    expect(text).toContain("[github_search_commits] ");
    expect(text).toContain('  "total_count": 40\n');
    expect(text).toContain('  "incomplete_results": false\n');
    expect(text).toContain('  "items": [40 items], first item:\n');
    expect(text).toMatch(/ {4}"sha": "[0-9a-f]{40}"\n/);
    // Depth is limited: the author object four levels down is only named by its keys.
    expect(text).toContain('        "author": {2 keys: name, date}\n');
    expect(text).toMatch(/ {8}"message": "fix: handle case 40 in the parser [^"]{40,}… \[\+\d+ chars\]"\n/);
    expect(text).toContain('      "files": [1 item], first item:\n        {2 keys: filename, status}\n');
    expect(text.length).toBeLessThan(output.length / 10);
  });

  test("a non-JSON output from an unknown tool keeps its head and tail", async () => {
    const output = shell("seq -f 'result row %g' 1 300", dir).trimEnd();
    const { text, method } = await compress(toolCall("websearch_web_search_exa", output, { query: "x" }));
    expect(method).toBe("generic");
    expect(text).toContain("result row 1\n");
    expect(text).toContain("result row 12\n… 280 lines left out (lines 13-292)\nresult row 293\n");
    expect(text).not.toContain("result row 13\n");
  });

  test("broken JSON is treated as text rather than failing", async () => {
    const output = `{"items": [${Array.from({ length: 200 }, (_, i) => `{"id": ${i}}`).join(",\n")}`;
    const { text, method } = await compress(toolCall("mcp_tool", output));
    expect(method).toBe("generic");
    expect(text).toContain('{"id": 199}');
  });
});

describe("tools whose outputs are kept whole", () => {
  for (const tool of ["edit", "write", "apply_patch", "multiedit", "patch", "todowrite"]) {
    test(`${tool} output is kept whole even when long`, async () => {
      const output = Array.from({ length: 120 }, (_, i) => `M src/file${i}.ts`).join("\n");
      const { text, method } = await compress(toolCall(tool, output));
      expect(method).toBe(tool);
      expect(bodyOf(text)).toBe(output);
      expect(text).toContain("[endless: 0 of 120 lines left out;");
    });
  }
});

describe("task results", () => {
  test("a subagent's long report keeps a large share of its text, from its head and its tail", async () => {
    const report = Array.from({ length: 150 }, (_, i) => `- finding ${i + 1}: checked module ${i + 1}`);
    const output = ["task_id: ses_123 (for resuming to continue this task if needed)", "", "<task_result>", ...report, "</task_result>"].join("\n");
    const { text, method } = await compress(toolCall("task", output, { description: "Audit modules" }));
    expect(method).toBe("task");
    expect(text).toContain("task_id: ses_123");
    expect(text).toContain("- finding 29: checked module 29\n… 102 lines left out (lines 33-134)\n- finding 132: checked module 132\n");
    expect(text).toContain("</task_result>");
    expect(text.length).toBeGreaterThan(output.length * 0.35);
    expect(text.length).toBeLessThan(output.length * 0.7);
  });

  test("Claude Code's Agent tool is a sub-agent report too", async () => {
    const report = Array.from({ length: 150 }, (_, i) => `- finding ${i + 1}: checked module ${i + 1}`).join("\n");
    const { method } = await compress(toolCall("Agent", report, { description: "Audit modules" }));
    expect(method).toBe("task");
  });
});

describe("webfetch observations", () => {
  test("a markdown page keeps its title, headings with lines and the first paragraph", async () => {
    const page = readFileSync(join(import.meta.dir, "../../node_modules/web-tree-sitter/README.md"), "utf8");
    const { text, method } = await compress(toolCall("webfetch", page, { url: "https://github.com/tree-sitter/tree-sitter", format: "markdown" }));
    expect(method).toBe("webfetch");
    expect(text).toContain("https://github.com/tree-sitter/tree-sitter (markdown)");
    expect(text).toContain("title: # Web Tree-sitter");
    expect(text).toContain(`    ${lineOf(page, "## Setup")}: ## Setup\n`);
    expect(text).toContain("first paragraph (line 8):\nWebAssembly bindings to the [Tree-sitter]");
    expect(text.length).toBeLessThan(page.length / 3);
  });

  test("an HTML page keeps its title, headings and the first prose paragraph, skipping navigation", async () => {
    const nav = Array.from({ length: 40 }, (_, i) => `    <li><a href="/docs/page-${i}">Page ${i}</a></li>`).join("\n");
    const body = Array.from({ length: 30 }, (_, i) => `  <p>Detail ${i}: the archive stores every output so nothing is ever lost &amp; recall is cheap.</p>`).join("\n");
    const html = `<!doctype html>\n<html>\n<head><title>Endless Mode &amp; Recall</title></head>\n<body>\n  <nav><ul>\n${nav}\n  </ul></nav>\n  <h1>Endless <em>Mode</em></h1>\n  <p>Short.</p>\n  <p>Endless Mode archives each tool output whole and shows the model a compact observation that ends with a handle.</p>\n  <h2>How recall works</h2>\n${body}\n</body>\n</html>`;
    const { text } = await compress(toolCall("webfetch", html, { url: "https://example.com/endless", format: "html" }));
    expect(text).toContain("https://example.com/endless (html)");
    expect(text).toContain("title: Endless Mode & Recall");
    expect(text).toContain(`  ${lineOf(html, "<h1>")}: # Endless Mode\n`);
    expect(text).toContain(`    ${lineOf(html, "<h2>")}: ## How recall works\n`);
    expect(text).toContain("first paragraph: Endless Mode archives each tool output whole");
    expect(text).not.toContain("Page 12");
  });
});

describe("MCP tools that wrap plain text in JSON", () => {
  const file = Array.from({ length: 120 }, (_, i) => (i === 40 ? "func NewIncomingContext(ctx context.Context, md MD) context.Context {" : `// line ${i + 1} of the file`));
  const numbered = ["URL: https://example.com/repo/-/blob/metadata/metadata.go", ...file.map((line, i) => `${i + 1}: ${line}`)].join("\n");

  test("a numbered file inside {\"text\": …} gets the read observation, its language from the input path", async () => {
    const output = JSON.stringify({ text: numbered });
    const { text, method } = await compress(toolCall("mcp__sourcegraph__read_file", output, { repo: "github.com/x/y", path: "metadata/metadata.go" }));
    expect(method).toBe("read");
    expect(text.split("\n")[0]).toBe("[read] Go, lines 1-120: the text is left out; outline (tree-sitter; numbers are file lines):");
    expect(text).toContain("  41: function NewIncomingContext(ctx context.Context, md MD)");
    expect(text).toContain("URL: https://example.com/repo/-/blob/metadata/metadata.go");
  });

  test("other text inside content blocks gets head and tail; real data keeps its JSON shape", async () => {
    const blocks = { content: [{ type: "text", text: file.join("\n") }] };
    const unwrapped = await compress(toolCall("mcp__docs__search", JSON.stringify(blocks)));
    expect(unwrapped.method).toBe("generic");
    expect(unwrapped.text).toContain("// line 1 of the file\n");
    const data = JSON.stringify({ text: "short", items: Array.from({ length: 100 }, (_, i) => ({ id: i, name: `item ${i}` })) });
    expect((await compress(toolCall("mcp__db__query", data))).method).toBe("json");
  });
});
