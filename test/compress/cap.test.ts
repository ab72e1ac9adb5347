import { describe, expect, test } from "bun:test";
import { compress, INPUT_CAP_CHARS } from "../../src/compress/index.ts";
import type { ToolCall } from "../../src/compress/types.ts";
import { HOSTILE } from "../fake/hostile.ts";

const call = (output: string, tool = "bash"): ToolCall => ({ tool, callID: "toolu_cap", input: { command: "dump" }, output });
const NOTE = /^\[endless: this output is ([\d,]+) characters; only its first ([\d,]+) and last ([\d,]+) were compressed, the ([\d,]+) between were left out unread; recall returns the whole output\]\n/;
const num = (text: string) => Number(text.replaceAll(",", ""));

describe("the cap on what the compressors read", () => {
  test("a 10 MB output is compressed from its head and tail, and the observation says what was left out", async () => {
    const output = HOSTILE["10 MB"]!();
    const observation = await compress(call(output));
    const [, total, head, tail, between] = observation.text.match(NOTE)!.map((m, i) => (i === 0 ? 0 : num(m)));
    expect(total).toBe(output.length);
    expect(head! + tail! + between!).toBe(output.length);
    expect(head! + tail!).toBeLessThanOrEqual(INPUT_CAP_CHARS);
    // Cut at line ends: what the compressors read is the output's first and last whole lines.
    const read = output.slice(0, head) + output.slice(output.length - tail!);
    expect(output.slice(0, head).endsWith("\n")).toBe(true);
    expect(output[output.length - tail! - 1]).toBe("\n");
    expect(observation.text.replace(NOTE, "")).toBe((await compress(call(read))).text);
    expect(observation.text.endsWith(`recall({"id":"toolu_cap"})]`)).toBe(true);
    expect((await compress(call(output))).text).toBe(observation.text);
  });

  test("an output within the cap is compressed whole, with no note", async () => {
    const output = Array.from({ length: 6000 }, (_, i) => `line ${i} ${"x".repeat(20)}`).join("\n").slice(0, INPUT_CAP_CHARS);
    expect(output.length).toBe(INPUT_CAP_CHARS);
    expect((await compress(call(output))).text).not.toMatch(NOTE);
  });

  test("one line longer than the cap is cut at half the cap each side, never inside a surrogate pair", async () => {
    // After one "x", every pair starts at an odd index, so the even cut points fall inside one.
    for (const output of ["x".repeat(2 * INPUT_CAP_CHARS + 1), `x${"😀".repeat(INPUT_CAP_CHARS)}`]) {
      const observation = await compress(call(output, "mcp_dump"));
      const [, total, head, tail] = observation.text.match(NOTE)!.map((m, i) => (i === 0 ? 0 : num(m)));
      expect(total).toBe(output.length);
      expect(Math.abs(head! - INPUT_CAP_CHARS / 2)).toBeLessThanOrEqual(1);
      expect(Math.abs(tail! - INPUT_CAP_CHARS / 2)).toBeLessThanOrEqual(1);
      const read = output.slice(0, head) + output.slice(output.length - tail!);
      expect(read.isWellFormed()).toBe(true);
      expect(observation.text.replace(NOTE, "")).toBe((await compress(call(read, "mcp_dump"))).text);
    }
  });
});
