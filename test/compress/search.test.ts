import { describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { compress } from "../../src/compress/index.ts";
import { compressPaths } from "../../src/compress/search.ts";
import { bodyOf, scratch, shell, toolCall, writeFiles } from "./helpers.ts";

const dir = scratch("search");

/** A project tree: 8 feature folders of TypeScript files with a varying number of TODO comments. */
const files: Record<string, string> = {};
for (let f = 0; f < 8; f++) {
  for (let i = 0; i < 5; i++) {
    const todos = Array.from({ length: ((f + i) % 6) + 1 }, (_, t) => `  // TODO(feature${f}): handle case ${t}`);
    files[`src/feature${f}/part${i}.ts`] = [`export function part${i}() {`, ...todos, "  return 0;", "}"].join("\n");
  }
}
writeFiles(dir, files);

/** opencode's grep layout, built from real `grep -rn` results (capped at 100 matches like the tool). */
function grepOutput(pattern: string, root: string): string {
  const hits = shell(`grep -rn ${JSON.stringify(pattern)} ${root} | sort -t: -k1,1 -k2,2n`, dir)
    .split("\n")
    .filter(Boolean)
    .map((line) => /^(.*?):(\d+):(.*)$/.exec(line)!);
  const shown = hits.slice(0, 100);
  const out = [`Found ${shown.length} matches${hits.length > 100 ? " (more matches available)" : ""}`];
  let current = "";
  for (const [, path, line, text] of shown) {
    if (path !== current) {
      if (current !== "") out.push("");
      current = path!;
      out.push(`${path}:`);
    }
    out.push(`  Line ${line}: ${text}`);
  }
  if (hits.length > 100) out.push("", "(Results truncated. Consider using a more specific path or pattern.)");
  return out.join("\n");
}

/** The indented tree the `list` tool prints: the root, then two spaces per level, folders ending in "/". */
function listOutput(root: string): string {
  const lines = [`${root}/`];
  const walk = (path: string, depth: number): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const folder = statSync(full).isDirectory();
      lines.push(`${"  ".repeat(depth)}${name}${folder ? "/" : ""}`);
      if (folder) walk(full, depth + 1);
    }
  };
  walk(root, 1);
  return lines.join("\n");
}

describe("grep observations", () => {
  test("matches are grouped by file with counts, the first match of each, under the common folder", async () => {
    const output = grepOutput("TODO", join(dir, "src"));
    const { text, method } = await compress(toolCall("grep", output, { pattern: "TODO", path: join(dir, "src") }));
    expect(method).toBe("grep");
    expect(text.split("\n")[0]).toBe("[grep] the first match of each of the first 10 files");
    expect(text).toContain(`Found 100 matches (more matches available) in 29 files under ${join(dir, "src")}/:`);
    // feature0/part0.ts has one TODO; feature0/part3.ts has four, of which the first is shown.
    expect(text).toContain("  feature0/part0.ts (1)\n    Line 2: // TODO(feature0): handle case 0\n");
    // The count beside the file says 3 of its 4 matches are left out.
    expect(text).toContain("  feature0/part3.ts (4)\n    Line 2: // TODO(feature0): handle case 0\n  ");
    expect(text).toContain("other files: feature2/part0.ts (3), feature2/part1.ts (4), ");
    expect(text).toContain("(Results truncated. Consider using a more specific path or pattern.)");
    expect(text.length).toBeLessThan(output.length);
  });

  test("a short grep result is kept whole", async () => {
    const output = grepOutput("feature7): handle case 5", join(dir, "src"));
    const { text } = await compress(toolCall("grep", output, { pattern: "case 5" }));
    expect(bodyOf(text)).toBe(output);
  });
});

describe("glob and list observations", () => {
  test("a glob result is grouped by folder with counts and sample names", async () => {
    const output = shell(`find ${join(dir, "src")} -type f -name '*.ts' | sort`, dir).trimEnd();
    const { text, method } = await compress(toolCall("glob", output, { pattern: "**/*.ts", path: join(dir, "src") }));
    expect(method).toBe("glob");
    expect(text).toContain(`40 paths in 8 folders under ${join(dir, "src")}/:`);
    expect(text).toContain("  feature0/ (5): part0.ts, part1.ts, part2.ts, part3.ts, part4.ts\n");
    expect(text).toContain("  feature7/ (5): ");
    expect(text).not.toContain(join(dir, "src", "feature3", "part1.ts"));
  });

  test("too many folders are regrouped one level up so the summary stays short", async () => {
    writeFiles(dir, Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`pkgs/group${i % 3}/mod${i}/index.ts`, ""])));
    const output = shell(`find ${join(dir, "pkgs")} -type f | sort`, dir).trimEnd();
    const { text } = await compress(toolCall("glob", output, { pattern: "**/index.ts" }));
    expect(text).toContain("90 paths in 90 folders");
    expect(text).toMatch(/ {2}group0\/ \(30\): mod0\/index\.ts, mod12\/index\.ts, /);
    expect(text.split("\n").filter((line) => /^ {2}group\d\/ /.test(line))).toHaveLength(3);
  });

  test("the list tool's indented tree is rebuilt into folders", async () => {
    const output = listOutput(join(dir, "src"));
    // The paths compressor itself: `compress` keeps a tree this short whole (grouping would not halve it).
    const { text, method } = compressPaths(toolCall("list", output, { path: join(dir, "src") }));
    expect(method).toBe("list");
    expect(text).toContain(`48 paths in 9 folders under ${join(dir, "src")}/:`);
    expect(text).toContain("  ./ (8): feature0/, feature1/");
    expect(text).toContain("  feature5/ (5): part0.ts, part1.ts, part2.ts, part3.ts, part4.ts");
  });
});
