import { describe, expect, test } from "bun:test";
import { optionRows, optionTable } from "../../src/config/describe.ts";
import { EndlessOptions } from "../../src/config/schema.ts";

describe("option table", () => {
  test("lists every option of the schema with its default and a description", () => {
    const rows = optionRows();
    const topLevel = Object.keys((EndlessOptions as unknown as { shape: object }).shape);
    for (const key of topLevel) expect(rows.map((r) => r.key)).toContain(key);
    for (const row of rows) expect(row.description.length).toBeGreaterThan(10);
    expect(rows.find((r) => r.key === "keepLast")).toMatchObject({ type: "number", default: "1" });
    expect(rows.find((r) => r.key === "excludeTools")?.type).toBe("string[]");
  });

  test("renders a Markdown table with one line per option", () => {
    const table = optionTable();
    expect(table.split("\n")).toHaveLength(optionRows().length + 2);
    expect(table).toContain("| `archivePath` | string | `(none)` |");
  });
});

test("the README's option table is the one the schema generates", async () => {
  const readme = await Bun.file(new URL("../../README.md", import.meta.url)).text();
  const block = /<!-- OPTIONS -->\n([\s\S]*?)\n<!-- \/OPTIONS -->/.exec(readme)?.[1];
  expect(block).toBe(optionTable());
});
