import { describe, expect, test } from "bun:test";
import { compress } from "../../src/compress/index.ts";
import { firstSightView } from "../../src/compress/first-sight.ts";
import type { ToolCall } from "../../src/compress/types.ts";

/** A real command's output: `seq` and `ls -lR` of a temp tree, run here. */
function run(argv: string[]): string {
  const done = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  expect(done.exitCode).toBe(0);
  return done.stdout.toString();
}

const bash = (output: string, callID = "toolu_first"): ToolCall => ({ callID, tool: "bash", input: { command: "cmd" }, output });

const hasLoneSurrogate = (text: string): boolean => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

describe("firstSightView", () => {
  test("an output within the cap, or a cap of 0, is sent whole (no view)", async () => {
    const call = bash(run(["seq", "1", "100"]));
    const { text } = await compress(call);
    expect(firstSightView(call, text, 32_000)).toBeUndefined();
    expect(firstSightView(bash(run(["seq", "1", "100000"])), text, 0)).toBeUndefined();
  });

  test("a long real output: its first whole lines within the cap, a note with the recall offset of the next line, then its observation", async () => {
    const call = bash(run(["seq", "1", "100000"]));
    const observation = (await compress(call)).text;
    const view = firstSightView(call, observation, 32_000)!;
    expect(view.length).toBeLessThan(call.output.length);
    expect(view.length).toBeLessThanOrEqual(32_000 + 400);
    expect(view.endsWith(observation)).toBe(true);
    const head = view.slice(0, view.indexOf("\n[endless: this output is"));
    expect(call.output.startsWith(`${head}\n`)).toBe(true);
    const lines = call.output.split("\n");
    const shown = head.split("\n").length;
    expect(head.split("\n").at(-1)).toBe(lines[shown - 1]);
    expect(view).toContain(`recall({"id":"toolu_first","offset":${shown}})`);
    // The page that offset gives starts at the first line the view did not show.
    expect(lines[shown]).toBe(String(shown + 1));
    expect(view).toContain(`this output is ${lines.length} lines, ${call.output.length} characters; the first ${shown} lines are shown`);
  });

  test("is deterministic and never larger than the output, on a real `ls -lR`", async () => {
    const dir = run(["mktemp", "-d"]).trim();
    for (let i = 0; i < 400; i++) await Bun.write(`${dir}/d${i % 20}/file_${i}.txt`, `${i}`);
    const call = bash(run(["ls", "-lR", dir]));
    expect(call.output.length).toBeGreaterThan(8_000);
    const observation = (await compress(call)).text;
    const a = firstSightView(call, observation, 8_000)!;
    expect(a).toBe(firstSightView(call, observation, 8_000)!);
    expect(a.length).toBeLessThan(call.output.length);
    run(["rm", "-rf", dir]);
  });

  test("an observation over half the cap is left to recall: the view ends with the recall handle instead", () => {
    const call = bash(run(["seq", "1", "100000"]));
    const view = firstSightView(call, "x".repeat(20_000), 32_000)!;
    expect(view).not.toContain("x".repeat(100));
    expect(view.split("\n").at(-1)).toMatch(/^\[endless: \d+ of \d+ lines left out; recall\(\{"id":"toolu_first"\}\)\]$/);
  });

  test("one long line is cut inside it without splitting a surrogate pair, and the note pages by id alone", () => {
    for (const shift of [0, 1]) {
      const call = bash("a".repeat(shift) + "😀".repeat(30_000));
      const view = firstSightView(call, "obs", 10_000)!;
      expect(hasLoneSurrogate(view)).toBe(false);
      expect(view).toContain('recall({"id":"toolu_first"}) pages on from there');
    }
  });

  test("an output opencode cut (the archive holds the whole text it saved, numbered otherwise) gets no offset: recall pages the whole from the start", async () => {
    const call = { ...bash(run(["seq", "1", "100000"])), metadata: { truncated: true, outputPath: "/tmp/tool-output/x" } };
    const view = firstSightView(call, (await compress(call)).text, 32_000)!;
    expect(view).not.toContain('"offset"');
    expect(view).toContain('with what opencode cut, is archived: recall({"id":"toolu_first"}) pages through it');
  });
});
