import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoProjectFiles } from "../../demo/project.ts";
import { demoSteps } from "../../demo/session.ts";
import { main } from "../../src/cli/main.ts";
import { REPORT_POLICIES } from "../../src/cli/report.ts";
import { dumpDom, findChromium, screenshot } from "../../src/harness/chromium.ts";
import type { SessionBill } from "../../src/cli/bill.ts";
import { isMainAgentRequest, type MockServer, requestInputTokens, scriptedToolCalls, startMockAnthropic } from "../../src/harness/mock-anthropic.ts";
import { createOpencodeWorld, type OpencodeWorld, workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { tmpdir } from "../fake/tmp.ts";
import { PATCH_NAMES } from "../../src/patch/names.ts";
import { patchedOpencode } from "./patched-binary.ts";

const OPENCODE = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));
const TIMEOUT = 180_000;

/** Runs the CLI in-process, collecting what it writes. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/**
 * One real opencode run with Endless loaded writes both stores the commands read: Endless's archive and
 * opencode's own storage. Every command below reads what that run wrote.
 */
describe("stats, doctor and bench --opencode on what a real opencode run wrote", () => {
  let mock: MockServer;
  let world: OpencodeWorld;
  let dir: ReturnType<typeof tmpdir>;
  let archive = "";
  let sessionID = "";

  beforeAll(async () => {
    let project = "";
    mock = startMockAnthropic({ script: scriptedToolCalls(() => demoSteps(project).slice(0, 10), { finalText: "Done." }) });
    dir = tmpdir();
    archive = join(dir.path, "endless.db");
    world = await createOpencodeWorld({
      provider: { baseURL: mock.baseURL },
      files: demoProjectFiles(),
      plugins: [workingTreePlugin({ archivePath: archive, keepLast: 2, highWaterTokens: 1000 })],
    });
    project = world.dirs.project;
    const run = await world.run("Investigate the failing tests.", { title: "cli", autoApprove: true, timeoutMs: 150_000 });
    expect(run.exitCode).toBe(0);
    sessionID = run.sessionID!;
  }, TIMEOUT);

  afterAll(async () => {
    await world?.dispose();
    await mock?.stop();
    dir?.[Symbol.dispose]();
  });

  test("stats: opencode's reported usage, what stock would have sent, and the net saving", async () => {
    const { code, out } = await cli(["stats", "--archive", archive, "--opencode-db", world.dbPath, "--session", sessionID, "--json"]);
    expect(code).toBe(0);
    const [bill] = JSON.parse(out) as SessionBill[];
    const main = mock.requests.filter(isMainAgentRequest);
    // The mock reports each request's input as its own count of the body: opencode stored those figures.
    expect(bill!.reported!.requests).toBe(main.length);
    expect(bill!.sent).toEqual({ tokens: main.reduce((sum, r) => sum + requestInputTokens(r.body), 0), source: "reported" });
    expect(bill!.cache.source).toBe("not reported"); // the mock reports no cache figures
    expect(bill!.endless.requests).toBe(main.length);
    expect(bill!.endless.savedTokens).toBeGreaterThan(0);
    expect(bill!.endless.batches).toBeGreaterThan(0);
    expect(bill!.stockTokens).toBe(bill!.sent.tokens + bill!.endless.savedTokens);
    expect(bill!.net.usd!.price).toBe("claude-sonnet");
    expect(bill!.net.usd!.net).toBeCloseTo(bill!.net.usd!.saved - bill!.net.usd!.cacheRewrites, 10);

    const text = await cli(["stats", "--archive", archive, "--opencode-db", world.dbPath]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`${sessionID}: 10 tool calls archived`);
    expect(text.out).toMatch(/sent\s+[\d,]+ input tokens \[reported\]/);
    expect(text.out).toContain("no LLM observations: 0 tokens, $0");
    expect(text.out).toContain("at claude-sonnet list price");
  });

  test("doctor: the real binary, the plugin entry in the project's opencode.json, a healthy archive", async () => {
    const { code, out } = await cli(["doctor", "--project", world.dirs.project, "--opencode", OPENCODE, "--archive", archive]);
    expect(out).toMatch(/^ok {3}opencode {5}1\.18\.33 at /m);
    expect(out).toContain("binary       stock (no opencode-endless patches");
    expect(out).toMatch(/ok {3}plugin {7}file:\/\/.*plugin\/index\.ts \(from .*opencode\.json\)/);
    expect(out).toMatch(/ok {3}options {6}valid/);
    expect(out).toMatch(/ok {3}archive .*integrity ok, .* schema version \d+ of \d+/);
    expect(code).toBe(0);
  }, 60_000);

  test("doctor tells a patched binary by the patches it carries", async () => {
    const patched = patchedOpencode();
    const { out } = await cli(["doctor", "--project", world.dirs.project, "--opencode", patched, "--archive", archive]);
    expect(out).toMatch(/^ok {3}opencode {5}1\.18\.33 at /m);
    expect(out).toContain(`binary       patched: ${PATCH_NAMES.join(", ")}`);
  }, 120_000);

  test("bench --opencode: replays the session straight from opencode's storage, a progress bar on stderr", async () => {
    const { code, out, err } = await cli(["bench", "--opencode", "--opencode-db", world.dbPath, "--session", sessionID, "--json", "--policies", "none,endless"]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as { sessions: number; requests: number; toolCalls: number };
    expect(report.sessions).toBe(1);
    expect(report.toolCalls).toBe(10);
    expect(report.requests).toBe(mock.requests.filter(isMainAgentRequest).length);
    expect(err).toContain("[########################] 1/1 sessions");
    const since = await cli(["bench", "--opencode", "--opencode-db", world.dbPath, "--since", "2999-01-01"]);
    expect(since.code).toBe(1);
    expect(since.err).toContain("no session could be read from opencode's storage since --since");
  });

  test("report: a self-contained page that renders in headless Chromium, one series per policy, with a screenshot", async () => {
    const chromium = findChromium();
    if (chromium === undefined) throw new Error("chromium is not installed: apt-get install -y chromium (.ci/run installs it)");
    const page = join(dir.path, "report.html");
    const { code, out } = await cli(["report", sessionID, "--out", page, "--archive", archive, "--opencode-db", world.dbPath]);
    expect(code).toBe(0);
    expect(out).toContain(`wrote ${page}`);
    const html = await Bun.file(page).text();
    // Self-contained: no script, nothing to fetch (the SVG namespace is a name, not a request).
    expect(html.replaceAll("http://www.w3.org/2000/svg", "")).not.toMatch(/https?:|<script|<link|\bsrc=/i);

    const dom = await dumpDom(chromium, page);
    const chart = dom.slice(dom.indexOf('<div id="chart">'), dom.indexOf("</svg>"));
    const series = [...chart.matchAll(/<polyline[^>]*>\s*<title>([^<]+)<\/title>/g)].map((m) => m[1]);
    expect(series).toEqual([...REPORT_POLICIES]);
    const batchRows = /<table id="batches">([\s\S]*?)<\/table>/.exec(dom)![1]!.match(/<tr>/g)!.length - 1;
    expect(batchRows).toBeGreaterThan(0);
    expect(dom).toContain("recall({");

    const png = join(dir.path, "report.png");
    await screenshot(chromium, page, png);
    const bytes = await Bun.file(png).bytes();
    expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.length).toBeGreaterThan(20_000);
    console.error(`[e2e] report: ${page} (${html.length} bytes), screenshot ${png} (${bytes.length} bytes)`);
  }, 120_000);

  test("bad input: each message names the problem and the fix, with a non-zero exit", async () => {
    const garbage = join(dir.path, "garbage.db");
    writeFileSync(garbage, "not a database at all ".repeat(100));
    const cases: [string[], number, string][] = [
      [["stats", "--archive", archive, "--opencode-db", world.dbPath, "--session", "ses_nope"], 1, "no session ses_nope in"],
      [["stats", "--archive", join(dir.path, "missing.db")], 2, "no archive at"],
      [["stats", "--archive", archive, "--opencode-db", join(dir.path, "missing-opencode.db")], 2, "no opencode storage at"],
      [["stats", "--archive", archive, "--opencode-db", garbage], 2, "cannot read opencode's storage"],
      [["bench", "--opencode", "--opencode-db", garbage], 2, "cannot read opencode's storage"],
      [["bench", "--opencode", "--opencode-db", world.dbPath, "--session", "ses_nope"], 1, "`opencode session list` shows the ids"],
      [["bench", "--opencode", "--since", "last tuesday"], 2, "--since takes a date"],
      [["bench", "--session", sessionID, "x.json"], 2, "give --opencode too"],
      [["doctor", "--project", world.dirs.project, "--opencode", OPENCODE, "--archive", garbage], 1, "move it aside"],
      [["doctor", "--project", join(dir.path, "no-such-project")], 2, "does not exist"],
      [["report", "ses_nope", "--archive", archive, "--opencode-db", world.dbPath, "--out", join(dir.path, "r.html")], 1, "no session ses_nope in"],
      [["report", sessionID, "--opencode-db", join(dir.path, "missing-opencode.db")], 2, "no opencode storage at"],
      [["report", sessionID, "--opencode-db", world.dbPath, "--archive", join(dir.path, "missing.db")], 2, "no archive at"],
      [["report", sessionID, "--out", "report.pdf"], 2, "give a file ending in .html"],
    ];
    for (const [args, exit, message] of cases) {
      const result = await cli(args);
      expect({ args, code: result.code }).toEqual({ args, code: exit });
      expect(`${result.out}\n${result.err}`).toContain(message);
    }
  }, 90_000);
});
