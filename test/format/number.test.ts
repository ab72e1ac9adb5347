import { describe, expect, test } from "bun:test";
import { formatBytes, formatCount, formatUsd } from "../../src/format/number.ts";

describe("number formats", () => {
  test("a count is rounded and grouped in thousands", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(1234.5)).toBe("1,235");
    expect(formatCount(-9876.4)).toBe("-9,876");
  });

  test("dollars carry four places and the sign before the $", () => {
    expect(formatUsd(0)).toBe("$0.0000");
    expect(formatUsd(0.01234)).toBe("$0.0123");
    expect(formatUsd(-1.5)).toBe("-$1.5000");
  });

  test("sizes go B, KB, MB", () => {
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(2048)).toBe("2.0 KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MB");
  });
});
