import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { POLICY_NAMES } from "../../src/replay/policies/index.ts";
import { main } from "../../src/cli/main.ts";
import { CLAUDE_CODE_JSONL, OPENCODE_EXPORT, OPENHANDS_JSON, SWE_AGENT_TRAJ } from "../fixtures/sessions/small.ts";
import { tmpdir } from "../fake/tmp.ts";

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const SESSIONS = {
  "opencode/a.json": OPENCODE_EXPORT,
  "claude/b.jsonl": CLAUDE_CODE_JSONL,
  "swe/c.traj": SWE_AGENT_TRAJ,
  "openhands/d.json": OPENHANDS_JSON,
  "broken.json": "{ not json",
};

describe("cli.main", () => {
  test("--help lists the commands", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("bench");
  });

  test("an unknown command is named, with the fix", async () => {
    const r = await run("bnech");
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "bnech"');
    expect(r.err).toContain("endless --help");
  });
});

describe("cli.bench arguments", () => {
  test("--help prints the usage", async () => {
    const r = await run("bench", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage: endless bench");
  });

  const cases: [string[], string][] = [
    [[], "give at least one session file or folder"],
    [["--frobnicate", "x"], "--frobnicate"],
    [["--policies", "none,mask-last-9", "x"], 'unknown policy "mask-last-9"; choose from'],
    [["--chart", "out.png", "x"], "--chart FILE must end in .svg or .html"],
    [["--chart-session", "foo", "x"], "give --chart FILE.svg too"],
    [["--keep-last", "three", "x"], "--keep-last takes a whole number"],
    [["--high-water", "1000", "--low-water", "2000", "x"], "--low-water must be below --high-water"],
  ];
  for (const [argv, message] of cases) {
    test(`rejects ${argv.join(" ") || "no arguments"} naming the problem`, async () => {
      const r = await run("bench", ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).toContain("endless bench --help");
    });
  }
});

describe("cli.bench runs", () => {
  test("--json prints one object with every policy's metrics; a malformed file is skipped by name", async () => {
    await using dir = tmpdir(SESSIONS);
    const r = await run("bench", "--json", dir.path);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.sessions).toBe(4);
    expect(report.toolCalls).toBe(7);
    expect(report.skipped).toEqual([{ file: join(dir.path, "broken.json"), reason: expect.stringContaining("invalid JSON") }]);
    expect(r.err).toContain("broken.json");
    expect(Object.keys(report.policies)).toEqual([...POLICY_NAMES]);
    for (const totals of Object.values(report.policies) as Record<string, unknown>[]) {
      for (const key of ["inputTokens", "peakTokens", "toolOutputTokens", "costUSD", "costNoCacheUSD", "cacheBreaks", "retention", "recallable", "ms"]) {
        expect(totals).toHaveProperty(key);
      }
    }
    expect(report.policies.none.recallable).toBeNull();
    expect(report.perSession).toHaveLength(4);
    // Families: every call counted once under every policy; worst sessions: one per session, worst first.
    for (const totals of Object.values(report.policies) as { families: Record<string, { calls: number }> }[]) {
      expect(Object.values(totals.families).reduce((n, f) => n + f.calls, 0)).toBe(7);
    }
    const ratios = report.worstSessions.map((s: { costRatio: number }) => s.costRatio);
    expect(ratios).toHaveLength(4);
    expect(ratios).toEqual([...ratios].sort((a: number, b: number) => b - a));
  });

  test("prints the table, progress on stderr, and writes the chart of the chosen session", async () => {
    await using dir = tmpdir(SESSIONS);
    const chart = join(dir.path, "context.svg");
    const r = await run("bench", "--policies", "none,mask-last-5", "--chart", chart, "--chart-session", "small-fix", dir.path);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^policy +input/m);
    expect(r.out).toContain("mask-last-5");
    expect(r.out).not.toContain("endless ");
    expect(r.err).toContain("bench: [1/4]");
    const svg = readFileSync(chart, "utf8");
    expect(svg).toStartWith("<svg");
    expect(svg).toContain("small-fix");
    expect(svg.match(/<polyline/g)).toHaveLength(2);
  });

  test("the table shows endless per tool family, its worst sessions against none, and the targets", async () => {
    await using dir = tmpdir(SESSIONS);
    const r = await run("bench", "--quiet", "--policies", "none,endless", dir.path);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^family +calls +raw out +compressed/m);
    expect(r.out).toMatch(/^all +7 /m);
    expect(r.out).toContain("sessions where endless does worst against none:");
    expect(r.out).toMatch(/\d+ of 4 sessions cost more than none/);
    expect(r.out).toMatch(/worst session +\d\.\d\dx none \(target <= 1\.10\)/);
  });

  test("a chart session that matches nothing is an error naming it", async () => {
    await using dir = tmpdir(SESSIONS);
    const r = await run("bench", "--quiet", "--policies", "none", "--chart", join(dir.path, "c.html"), "--chart-session", "nothing-like-it", dir.path);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no session matches --chart-session "nothing-like-it"');
    expect(existsSync(join(dir.path, "c.html"))).toBe(false);
  });

  test("no readable session at all fails with the reason", async () => {
    await using dir = tmpdir({ "broken.json": "{ not json" });
    const r = await run("bench", dir.path);
    expect(r.code).toBe(1);
    expect(r.err).toContain("no session could be read");
  });

  test("as a program: stdout carries only the JSON", async () => {
    await using dir = tmpdir(SESSIONS);
    const root = resolve(import.meta.dir, "../..");
    const proc = Bun.spawnSync([process.execPath, "src/cli/main.ts", "bench", "--json", "--policies", "none", dir.path], { cwd: root });
    expect(proc.exitCode).toBe(0);
    expect(JSON.parse(proc.stdout.toString()).sessions).toBe(4);
    expect(proc.stderr.toString()).toContain("skipped");
  });
});
