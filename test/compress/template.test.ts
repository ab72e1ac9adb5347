import { describe, expect, test } from "bun:test";
import { compress } from "../../src/compress/index.ts";
import { describeField, describeGroup, regenerate, templateGroups } from "../../src/compress/template.ts";
import { rng } from "../fake/random-session.ts";
import { scratch, shell, toolCall } from "./helpers.ts";

/** Random log lines: a few templates with counters, times, ids and paths, mixed with free lines and errors. */
function randomLog(seed: number): string[] {
  const next = rng(seed);
  const int = (n: number) => Math.floor(next() * n);
  const word = () => ["alpha", "beta", "gamma", "delta", "omega"][int(5)]!;
  const templates = [
    (i: number) => `GET /api/items/${i} 200 (${int(900)} ms)`,
    () => `PASS src/${word()}/${word()}-${int(40)}.test.ts (${(next() * 3).toFixed(2)} s)`,
    () => `worker ${int(8)} fetched chunk ${int(1e6).toString(16)} of ${int(90)} from ${word()}`,
    (i: number) => `[${String(10 + (i % 50)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}] ${word()} tick ${i}`,
  ];
  return Array.from({ length: 20 + int(300) }, (_, i) => {
    const r = next();
    if (r < 0.1) return `error: ${word()} failed at step ${i}`;
    if (r < 0.2) return `${word()} ${word()} ${word()}`;
    if (r < 0.25) return "";
    return templates[int(templates.length)]!(i);
  });
}

describe("templateGroups", () => {
  test("property: every group's template and fields regenerate exactly the lines it claims to cover", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const lines = randomLog(seed);
      const keep = (line: string) => line.startsWith("error:");
      const groups = templateGroups(lines, keep);
      const covered = new Set<number>();
      for (const group of groups) {
        expect(regenerate(group)).toEqual(group.lines.map((i) => lines[i]!));
        for (const i of group.lines) {
          expect(covered.has(i)).toBe(false); // a line is in one group at most
          expect(keep(lines[i]!)).toBe(false); // kept lines are never grouped
          covered.add(i);
        }
        // Every field varies (a field the same on every line is part of the template).
        for (const values of group.fields) expect(new Set(values).size).toBeGreaterThan(1);
      }
    }
  });

  test("property: a numeric field's description spans every value it stands for", () => {
    for (let seed = 1; seed <= 100; seed++) {
      for (const group of templateGroups(randomLog(seed))) {
        for (const values of group.fields) {
          const text = describeField(values);
          const range = /^(-?[\d.]+)(?:\.\.|-)(-?[\d.]+)/.exec(text);
          if (!range || !values.every((v) => /^-?\d+(\.\d+)?$/.test(v))) continue;
          const [low, high] = [Number(range[1]), Number(range[2])].sort((a, b) => a - b);
          for (const v of values) {
            expect(Number(v)).toBeGreaterThanOrEqual(low!);
            expect(Number(v)).toBeLessThanOrEqual(high!);
          }
        }
      }
    }
  });

  test("a counter and a path that vary become fields; shared ends stay in the template", () => {
    const lines = Array.from({ length: 240 }, (_, i) => `GET /api/items/${i + 1} 200 (${(i * 7) % 90} ms)`);
    const [group, ...others] = templateGroups(lines);
    expect(others).toEqual([]);
    expect(group!.template).toBe("GET /api/items/\u0000 200 (\u0000 ms)");
    expect(describeGroup(group!)).toBe("240 lines (1-240) like: GET /api/items/{1} 200 ({2} ms) — {1} = 1..240; {2} = 0-89 (90 distinct)");
  });

  test("lines that are nothing but fields, and groups under four lines, are left as lines", () => {
    expect(templateGroups(["1", "2", "3", "4", "5", "src/a.ts", "src/b.ts", "src/c.ts", "src/d.ts"])).toEqual([]);
    expect(templateGroups(["done 1", "done 2", "done 3"])).toEqual([]);
  });
});

describe("template grouping in bash observations, on real command output", () => {
  const dir = scratch("template");
  const command = 'for i in $(seq 1 240); do echo "GET /api/items/$i 200 ($(( (i * 37) % 97 )) ms)"; done; echo "error: upstream timeout on /api/items/241"; echo done';
  const output = shell(command, dir);

  test("240 request lines become one template line; the error line is kept verbatim", async () => {
    const call = toolCall("bash", output, { command }, "call_tpl");
    const first = await compress(call);
    const second = await compress({ ...call, input: { ...call.input } });
    expect(second.text).toBe(first.text); // deterministic
    expect(first.text).toContain("240 lines (1-240) like: GET /api/items/{1} 200 ({2} ms) — {1} = 1..240; {2} = ");
    expect(first.text).toContain("\nerror: upstream timeout on /api/items/241\n");
    expect(first.text).not.toContain("GET /api/items/7 200");
    expect(first.text.length).toBeLessThan(output.length / 10);
    expect(first.text.split("\n").at(-1)).toBe('[endless: 240 of 243 lines left out; recall({"id":"call_tpl"})]');
  });
});
