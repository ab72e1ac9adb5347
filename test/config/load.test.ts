import { describe, expect, test } from "bun:test";
import { loadOptions } from "../../src/config/load.ts";
import { EndlessOptions } from "../../src/config/schema.ts";

const defaults = EndlessOptions.parse({});

describe("loadOptions", () => {
  test("fills every default from an empty or missing object", () => {
    const loaded = loadOptions(undefined);
    expect(loaded.problems).toEqual([]);
    expect(loaded.options.keepLast).toBe(1);
    expect(loaded.options.excludeTools).toEqual(["recall", "todowrite", "skill"]);
  });

  test("a bad key falls back to its default, names the key and the fix without echoing the value; the rest apply", () => {
    const loaded = loadOptions({ keepLast: -2, highWaterTokens: "sk-secret-value", nope: true, minTokens: 42, compressInputs: false });
    const all = loaded.problems.join("\n");
    expect(loaded.problems).toHaveLength(3);
    expect(all).toContain('option "keepLast"');
    expect(all).toContain('option "highWaterTokens"');
    expect(all).toContain('unknown option "nope"');
    expect(all).toContain("using its default");
    expect(all).toContain("README");
    expect(all).not.toContain("sk-secret-value");
    expect(loaded.options.keepLast).toBe(defaults.keepLast);
    expect(loaded.options.highWaterTokens).toBe(defaults.highWaterTokens);
    expect(loaded.options.minTokens).toBe(42);
    expect(loaded.options.compressInputs).toBe(false);
  });

  test("watermarks that would never let a batch finish drop lowWaterTokens to its default", () => {
    const loaded = loadOptions({ highWaterTokens: 1000, lowWaterTokens: 1000 });
    expect(loaded.problems).toHaveLength(1);
    expect(loaded.problems[0]).toContain('"lowWaterTokens"');
    expect(loaded.options.highWaterTokens).toBe(1000);
    expect(loaded.options.lowWaterTokens).toBe(defaults.lowWaterTokens);
  });

  test("a bad nested key falls back alone; a bad list element drops the whole list to its default", () => {
    const loaded = loadOptions({
      excludeTools: ["recall", ""],
      tools: { bash: { minTokens: -1, compress: false } },
      contextManagement: { default: { clearToolUses: { keep: "x", triggerRatio: 0.5 } } },
    });
    expect(loaded.problems.map((p) => p.match(/"([^"]+)"/)?.[1]).sort()).toEqual([
      "contextManagement.default.clearToolUses.keep",
      "excludeTools",
      "tools.bash.minTokens",
    ]);
    expect(loaded.options.excludeTools).toEqual(defaults.excludeTools);
    expect(loaded.options.tools).toEqual({ bash: { compress: false } });
    expect(loaded.options.contextManagement.default.clearToolUses.triggerRatio).toBe(0.5);
    expect(loaded.options.contextManagement.default.clearToolUses.keep).toBe(defaults.contextManagement.default.clearToolUses.keep);
  });

  test("options that are not an object give every default and say so", () => {
    for (const raw of ["fast", 3, [1]]) {
      const loaded = loadOptions(raw);
      expect(loaded.options).toEqual(defaults);
      expect(loaded.problems[0]).toContain("must be an object");
    }
  });
});
