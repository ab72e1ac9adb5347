import { describe, expect, test } from "bun:test";
import { loadOptions } from "../../src/config/load.ts";

describe("loadOptions", () => {
  test("fills every default from an empty or missing object", () => {
    const loaded = loadOptions(undefined);
    expect(loaded.ok).toBe(true);
    if (loaded.ok) {
      expect(loaded.options.keepLast).toBe(1);
      expect(loaded.options.excludeTools).toEqual(["recall", "todowrite", "skill"]);
    }
  });

  test("names each bad key and the fix, without echoing the value", () => {
    const loaded = loadOptions({ keepLast: -2, highWaterTokens: "sk-secret-value", nope: true });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) {
      const all = loaded.problems.join("\n");
      expect(all).toContain('option "keepLast"');
      expect(all).toContain('option "highWaterTokens"');
      expect(all).toContain('unknown option "nope"');
      expect(all).toContain("README");
      expect(all).not.toContain("sk-secret-value");
    }
  });

  test("rejects watermarks that would never let a batch finish", () => {
    const loaded = loadOptions({ highWaterTokens: 1000, lowWaterTokens: 1000 });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.problems[0]).toContain('"lowWaterTokens"');
  });
});
