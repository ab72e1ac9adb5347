/**
 * Real opencode 1.18.33 patched by `endless patch-opencode`, against the mock: each new hook reaches a
 * plugin, and Endless uses them. The binary is built once for the file (or taken from CI); a failure to
 * build fails these tests. The last test runs the same compaction on stock opencode: the fallback.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { isMainAgentRequest, type MockServer, type Reply } from "../../src/harness/mock-anthropic.ts";
import { type PluginSpec, workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { describePatches } from "../../src/patch/detect.ts";
import { PATCH_NAMES } from "../../src/patch/names.ts";
import { defaultOpencodeBinary } from "../../src/patch/patch-opencode.ts";
import { patchedOpencode } from "./patched-binary.ts";
import { startedPerTest } from "./started.ts";

const TIMEOUT_MS = 180_000;
const started = startedPerTest();
let bin = "";
beforeAll(() => {
  bin = patchedOpencode();
}, TIMEOUT_MS);

const BASH = { name: "bash", input: { command: "seq 1 400", description: "Print numbers" } };
const APPLIED_EDITS = { applied_edits: [{ type: "clear_tool_uses_20250919", cleared_tool_uses: 2, cleared_input_tokens: 31_337 }] };
const PROBE = new URL("./fixtures/probe-plugin.ts", import.meta.url).href;

/** First main reply: a tool call with usage above the 200k model's usable window, so opencode wants to compact; then "Done.". */
function overflowOnce(extra: Partial<Reply> = {}) {
  let main = 0;
  return (req: Parameters<typeof isMainAgentRequest>[0]): Reply => {
    if (!isMainAgentRequest(req)) return { text: "SUMMARY BY THE MOCK SUMMARISER" };
    main++;
    return main === 1 ? { toolCalls: [BASH], usage: { inputTokens: 195_000, cacheReadTokens: 4_000, cacheWriteTokens: 700 }, ...extra } : { text: "Done." };
  };
}

/** Requests without tools: the summariser's (the title request is skipped with --title). */
const summariserRequests = (mock: MockServer) => mock.requests.filter((r) => r.protocol !== undefined && !isMainAgentRequest(r));

async function world(mock: MockServer, plugins: PluginSpec[], useBin = bin) {
  return started.world({ bin: useBin, provider: { baseURL: mock.baseURL }, plugins });
}

interface ProbeLine {
  hook: string;
  input: Record<string, unknown>;
  outputKeys: string[];
}

describe("patched opencode", () => {
  test(
    "each new hook reaches a plugin: transform input, step usage and metadata, overflow decision, compaction result",
    async () => {
      const mock = started.mock({ script: overflowOnce({ contextManagement: APPLIED_EDITS }) });
      // Relative: the plugin runs in opencode's process, whose cwd is the world's project.
      const probed = await world(mock, [[PROBE, { out: "probe.jsonl", summary: "SUMMARY BY THE PROBE" }]]);
      const result = await probed.run("Print the numbers.", { title: "probe" });
      expect(result.exitCode, probed.logTail()).toBe(0);
      const lines = readFileSync(join(probed.dirs.project, "probe.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as ProbeLine);
      const sessionID = result.sessionID!;
      const transforms = lines.filter((l) => l.hook === "transform").map((l) => l.input);
      expect(transforms).toContainEqual({ sessionID, model: { id: "claude-sonnet-mock", providerID: "mock" }, agent: "build", kind: "primary" });
      expect(transforms).toContainEqual({ sessionID, model: { id: "claude-sonnet-mock", providerID: "mock" }, agent: "compaction", kind: "compaction" });
      const step = lines.find((l) => l.hook === "step.finish")!.input;
      expect(step).toMatchObject({ sessionID, agent: "build", tokens: { input: 195_000, cache: { read: 4_000, write: 700 } } });
      expect(step.providerMetadata).toMatchObject({
        anthropic: { contextManagement: { appliedEdits: [{ type: "clear_tool_uses_20250919", clearedToolUses: 2, clearedInputTokens: 31_337 }] } },
      });
      expect(lines.find((l) => l.hook === "overflow")?.input).toMatchObject({ sessionID, stock: true });
      expect(lines.find((l) => l.hook === "compacting")?.outputKeys).toContain("result");
      expect(summariserRequests(mock)).toEqual([]);
      expect(JSON.stringify(mock.requests.at(-1)?.body?.messages)).toContain("SUMMARY BY THE PROBE");
    },
    TIMEOUT_MS,
  );

  test(
    "Endless: the start-up log names the active patches, and applied edits and cache tokens reach `endless stats`",
    async () => {
      const mock = started.mock({ script: overflowOnce({ contextManagement: APPLIED_EDITS }) });
      const w = await world(mock, [workingTreePlugin({ compaction: { overflow: "veto" } })]);
      const result = await w.run("Print the numbers.", { title: "stats" });
      expect(result.exitCode, w.logTail()).toBe(0);
      expect(readFileSync(w.logFile, "utf8")).toContain(describePatches([...PATCH_NAMES]));
      const out: string[] = [];
      const archive = join(w.dirs.data, "opencode-endless", "archive.db");
      const code = await main(["stats", "--archive", archive, "--session", result.sessionID!, "--json"], { out: (t) => out.push(t), err: () => {} });
      expect(code).toBe(0);
      const [stats] = JSON.parse(out.join("")) as { usage: Record<string, number>; serverEdits: Record<string, unknown> }[];
      expect(stats?.serverEdits).toMatchObject({ reported: true, responses: 1, clearedToolUses: 2, clearedInputTokens: 31_337 });
      expect(stats?.usage).toMatchObject({ steps: 2, cacheReadTokens: 4_000, cacheWriteTokens: 700 });
      expect(stats?.usage.inputTokens).toBeGreaterThanOrEqual(195_000);
    },
    TIMEOUT_MS,
  );

  test(
    "Endless: a compaction completes with Endless's summary and no summariser request reaches the mock",
    async () => {
      const mock = started.mock({ script: overflowOnce() });
      const w = await world(mock, [workingTreePlugin()]);
      const result = await w.run("Print the numbers.", { title: "summary" });
      expect(result.exitCode, w.logTail()).toBe(0);
      expect(summariserRequests(mock)).toEqual([]);
      const exported = await w.exportSession(result.sessionID!);
      expect(exported.messages.some((m) => m.parts.some((p) => p.type === "compaction"))).toBe(true);
      const summary = exported.messages.find((m) => m.info.role === "assistant" && m.info.summary === true);
      const text = summary?.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("") ?? "";
      expect(text).toContain("written by opencode-endless");
      expect(text).toContain("seq 1 400");
      // The next step is sent the summary.
      expect(JSON.stringify(mock.requests.at(-1)?.body?.messages)).toContain("written by opencode-endless");
      expect(readFileSync(w.logFile, "utf8")).toContain("compaction summary supplied by Endless");
    },
    TIMEOUT_MS,
  );

  test(
    "Endless: an overflow vetoed leads to no compaction",
    async () => {
      const mock = started.mock({ script: overflowOnce() });
      const w = await world(mock, [workingTreePlugin({ compaction: { overflow: "veto" } })]);
      const result = await w.run("Print the numbers.", { title: "veto" });
      expect(result.exitCode, w.logTail()).toBe(0);
      expect(summariserRequests(mock)).toEqual([]);
      const exported = await w.exportSession(result.sessionID!);
      expect(exported.messages.some((m) => m.parts.some((p) => p.type === "compaction"))).toBe(false);
      expect(exported.messages.some((m) => m.info.role === "assistant" && m.info.summary === true)).toBe(false);
      expect(readFileSync(w.logFile, "utf8")).toContain("vetoed opencode's automatic compaction");
      expect(mock.requests.filter(isMainAgentRequest)).toHaveLength(2);
    },
    TIMEOUT_MS,
  );
});

describe("stock opencode with the same plugin", () => {
  test(
    "falls back to today's behaviour: the log says no patch is active and the summariser runs",
    async () => {
      const mock = started.mock({ script: overflowOnce() });
      // The npm binary itself, whatever OPENCODE_BIN points the rest of the suite at.
      const w = await world(mock, [workingTreePlugin({ compaction: { overflow: "veto" } })], defaultOpencodeBinary());
      const result = await w.run("Print the numbers.", { title: "stock" });
      expect(result.exitCode, w.logTail()).toBe(0);
      expect(readFileSync(w.logFile, "utf8")).toContain(describePatches([]));
      expect(summariserRequests(mock)).toHaveLength(1);
    },
    TIMEOUT_MS,
  );
});
