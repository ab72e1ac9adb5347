/**
 * The plugin's adapters for the hooks a patched opencode adds, driven through the assembled plugin on a
 * real archive file; the e2e side is test/e2e/patched.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openArchive } from "../../src/archive/open.ts";
import { sessionStats } from "../../src/archive/stats.ts";
import { formatCompactionSummary } from "../../src/context/compaction-summary.ts";
import { createEndlessHooks } from "../../src/hooks/plugin.ts";
import type { Level } from "../../src/log/logger.ts";
import { activePatches, describePatches } from "../../src/patch/detect.ts";
import { PATCH_MARKER } from "../../src/patch/names.ts";
import { tmpdir } from "../fake/tmp.ts";

const client = { app: { log: async () => ({}) } } as never;

async function hooksFor(dir: string, options: Record<string, unknown> = {}) {
  const lines: { level: Level; message: string }[] = [];
  const hooks = await createEndlessHooks({ client }, { archivePath: join(dir, "a.db"), ...options }, (level, message) => lines.push({ level, message }));
  return { hooks, lines };
}

const STEP = {
  sessionID: "ses_p",
  messageID: "msg_1",
  agent: "build",
  model: { id: "claude-x", providerID: "anthropic", limit: { context: 200_000 } },
  finish: "tool-calls",
  tokens: { total: 1_300, input: 1_000, output: 20, reasoning: 0, cache: { read: 250, write: 30 } },
  cost: 0,
  providerMetadata: { anthropic: { contextManagement: { appliedEdits: [{ type: "clear_tool_uses_20250919", clearedToolUses: 2, clearedInputTokens: 31_337 }] } } },
};

describe("patch detection", () => {
  test("reads the marker a patched opencode sets, keeping only known names", () => {
    expect(activePatches({})).toEqual([]);
    expect(activePatches({ [PATCH_MARKER]: ["overflow-decision", "bogus", "step-finish"] })).toEqual(["step-finish", "overflow-decision"]);
    expect(activePatches({ [PATCH_MARKER]: "step-finish" })).toEqual([]);
  });

  test("the start-up line says which patches are active", async () => {
    expect(describePatches([])).toContain("stock opencode");
    expect(describePatches(["step-finish"])).toBe(
      "opencode patches active: step-finish; not active: messages-transform-input, overflow-decision, compaction-result",
    );
    using dir = tmpdir();
    const { lines } = await hooksFor(dir.path);
    expect(lines.map((l) => l.message)).toContain(describePatches(activePatches()));
  });
});

describe("experimental.chat.step.finish", () => {
  test("records tokens (cache included) and applied edits, which the session stats then report", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(dir.path);
    await hooks["tool.execute.after"]!({ tool: "bash", sessionID: "ses_p", callID: "toolu_1", args: { command: "ls" } }, { title: "", output: "a\nb", metadata: {} });
    await hooks["experimental.chat.step.finish"]!(STEP, {});
    await hooks["experimental.chat.step.finish"]!({ ...STEP, messageID: "msg_2", providerMetadata: { anthropic: { contextManagement: null } } }, {});
    const [stats] = sessionStats(openArchive(join(dir.path, "a.db")), "ses_p");
    expect(stats?.usage).toEqual({ steps: 2, inputTokens: 2_000, outputTokens: 40, cacheReadTokens: 500, cacheWriteTokens: 60 });
    expect(stats?.serverEdits).toMatchObject({ reported: true, responses: 1, clearedToolUses: 2, clearedInputTokens: 31_337 });
  });

  test("an input of the wrong shape is logged and passed through", async () => {
    using dir = tmpdir();
    const { hooks, lines } = await hooksFor(dir.path);
    await hooks["experimental.chat.step.finish"]!({ sessionID: "ses_p" }, {});
    expect(lines.filter((l) => l.level === "error").map((l) => l.message).join("\n")).toContain("experimental.chat.step.finish failed");
  });
});

describe("experimental.session.overflow", () => {
  test("by default opencode's decision stands", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(dir.path);
    const output = { overflow: true };
    await hooks["experimental.session.overflow"]!({ sessionID: "ses_p" }, output);
    expect(output.overflow).toBe(true);
  });

  test("veto turns an overflow off and says so once per session", async () => {
    using dir = tmpdir();
    const { hooks, lines } = await hooksFor(dir.path, { compaction: { overflow: "veto" } });
    for (let i = 0; i < 3; i++) {
      const output = { overflow: true };
      await hooks["experimental.session.overflow"]!({ sessionID: "ses_p" }, output);
      expect(output.overflow).toBe(false);
    }
    expect(lines.filter((l) => l.message.includes("vetoed"))).toHaveLength(1);
  });
});

describe("experimental.session.compacting", () => {
  async function archived(dir: string, options: Record<string, unknown> = {}) {
    const { hooks, lines } = await hooksFor(dir, options);
    const output = Array.from({ length: 300 }, (_, i) => `src/file${i}.ts:${i}: export function handler${i}() {}`).join("\n");
    await hooks["tool.execute.after"]!({ tool: "grep", sessionID: "ses_c", callID: "toolu_g", args: { pattern: "handler" } }, { title: "", output, metadata: {} });
    return { hooks, lines };
  }

  test("with the compaction-result patch, supplies a summary built from the archived observations", async () => {
    using dir = tmpdir();
    const { hooks } = await archived(dir.path);
    const output: { context: string[]; prompt?: string; result?: { summary: string } } = { context: [], prompt: undefined, result: undefined };
    await hooks["experimental.session.compacting"]!({ sessionID: "ses_c" }, output);
    expect(output.result?.summary).toContain("written by opencode-endless");
    expect(output.result?.summary).toContain('grep {"pattern":"handler"}');
    expect(output.result?.summary).toContain('recall({"id":"toolu_g"})');
    expect(output.context).toEqual([]);
  });

  test("on stock opencode (no result field) and with summary = llm no summary is set: the summariser is handed the ledger", async () => {
    using dir = tmpdir();
    const stock: { context: string[]; prompt?: string } = { context: [], prompt: undefined };
    await (await archived(dir.path)).hooks["experimental.session.compacting"]!({ sessionID: "ses_c" }, stock as never);
    expect(Object.keys(stock).sort()).toEqual(["context", "prompt"]);
    expect(stock.prompt).toBeUndefined();
    expect(stock.context).toHaveLength(1);
    expect(stock.context[0]).toContain("session ledger");
    using other = tmpdir();
    const llm = { context: [], prompt: undefined, result: undefined };
    await (await archived(other.path, { compaction: { summary: "llm" } })).hooks["experimental.session.compacting"]!({ sessionID: "ses_c" }, llm);
    expect(llm.result).toBeUndefined();
  });

  test("a session with nothing archived gets no summary, so opencode's summariser runs", async () => {
    using dir = tmpdir();
    const { hooks } = await hooksFor(dir.path);
    const output = { context: [], prompt: undefined, result: undefined };
    await hooks["experimental.session.compacting"]!({ sessionID: "ses_empty" }, output);
    expect(output.result).toBeUndefined();
  });
});

describe("formatCompactionSummary", () => {
  test("keeps the newest calls within the budget and counts the older ones", () => {
    const calls = Array.from({ length: 50 }, (_, i) => ({ tool: "bash", input: { command: `step ${i}` }, observation: `${"word ".repeat(100)}recall({"id":"c${i}"})` }));
    const summary = formatCompactionSummary(calls, 1_000)!;
    expect(summary).toContain('recall({"id":"c49"})');
    expect(summary).not.toContain('recall({"id":"c0"})');
    const kept = summary.split("### ").length - 1;
    expect(kept).toBeGreaterThan(0);
    expect(summary).toContain(`(${50 - kept} older calls are left out here; recall finds them.)`);
    expect(formatCompactionSummary([])).toBeUndefined();
  });
});
