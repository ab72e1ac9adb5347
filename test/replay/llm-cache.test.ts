import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { openArchive } from "../../src/archive/open.ts";
import { saveObservation } from "../../src/archive/observations.ts";
import { archiveToolCall, findToolCall } from "../../src/archive/tool-calls.ts";
import { LLM_METHOD } from "../../src/archive/compression.ts";
import { main } from "../../src/cli/main.ts";
import { defaultPolicyConfig } from "../../src/config/schema.ts";
import { PROMPT_VERSION } from "../../src/observer/prompt.ts";
import type { Session } from "../../src/replay/importers/model.ts";
import { exportLlmCache, llmCacheKey, loadLlmCache } from "../../src/replay/llm-cache.ts";
import { benchSessions } from "../../src/replay/run.ts";
import { tmpdir } from "../fake/tmp.ts";
import { startMockAnthropic } from "../../src/harness/mock-anthropic.ts";
import { OPENCODE_EXPORT } from "../fixtures/sessions/small.ts";

const outputOf = (n: number) => Array.from({ length: 300 }, (_, i) => `job ${n}.${i}: finished with status 0 after ${i % 11} s`).join("\n");
const session: Session = {
  id: "s1",
  name: "llm-cache",
  source: "opencode",
  file: "/virtual/s1.json",
  system: "",
  turns: [
    {
      user: "run the jobs",
      steps: Array.from({ length: 8 }, (_, n) => ({
        text: `step ${n}`,
        calls: [{ callID: `call_${n}`, tool: "bash", input: { command: `run-jobs ${n}` }, output: outputOf(n) }],
      })),
    },
  ],
};
const config = { ...defaultPolicyConfig(), highWaterTokens: 3_000 };
const answer = (n: number) => `300 job lines ${n}.0-${n}.299, all finished with status 0.`;

describe("the replay bench with LLM observations from a cache file", () => {
  test("cached answers replace the fast observations where smaller; without a cache nothing is invented", async () => {
    using dir = tmpdir();
    const file = join(dir.path, "cache.json");
    const entries = Object.fromEntries(Array.from({ length: 8 }, (_, n) => [llmCacheKey(PROMPT_VERSION, outputOf(n)), answer(n)]));
    // One answer that fails the checks (a path that is not in the output) is not used.
    entries[llmCacheKey(PROMPT_VERSION, outputOf(0))] = "see logs/jobs/0.txt";
    writeFileSync(file, JSON.stringify({ format: "endless-llm-cache", entries }));
    const llm = await loadLlmCache(file);
    const withLlm = await benchSessions([session], { policies: ["none", "endless"], config, llm });
    const fastOnly = await benchSessions([session], { policies: ["none", "endless"], config });
    expect(llm.stats.found).toBeGreaterThan(0);
    expect(llm.stats.rejected).toBe(1);
    expect(withLlm.policies.endless!.inputTokens).toBeLessThan(fastOnly.policies.endless!.inputTokens);
    expect(withLlm.policies.none!.inputTokens).toBe(fastOnly.policies.none!.inputTokens);
  });

  test("endless bench says when there are no LLM observations, and reads a cache written from an archive", async () => {
    using dir = tmpdir({ "s.json": OPENCODE_EXPORT });
    const archive = join(dir.path, "a.db");
    const db = openArchive(archive);
    archiveToolCall(db, { sessionID: "x", callID: "toolu_arch", tool: "bash", input: {}, output: outputOf(3), tokens: 900 }, "replace");
    const row = findToolCall(db, "x", "toolu_arch")!.row;
    saveObservation(db, row, { text: `${answer(3)}\n[endless: model summary of 300 lines; full output: recall({"id":"toolu_arch"})]`, method: LLM_METHOD, version: PROMPT_VERSION }, 20);
    db.close();
    const cache = join(dir.path, "cache.json");
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    await main(["bench", "--quiet", "--policies", "none", "--llm-cache", cache, "--llm-cache-from", archive, dir.path], io);
    expect(err.join("\n")).toContain(`wrote 1 LLM observations from ${archive}`);
    const loaded = await loadLlmCache(cache);
    // The answer is keyed by the output alone: a replayed call with another id gets it, with its own handle.
    expect(await loaded.lookup({ callID: "call_3", tool: "bash", input: {}, output: outputOf(3) })).toBe(
      `${answer(3)}\n[endless: model summary of 300 lines; full output: recall({"id":"call_3"})]`,
    );
    expect(await exportLlmCache(openArchive(archive), cache)).toBe(1);

    out.length = 0;
    await main(["bench", "--quiet", "--policies", "none,endless", dir.path], io);
    expect(out.join("\n")).toContain("LLM observations: none (no --llm-cache given, and the bench calls no model)");
    expect(await main(["bench", "--quiet", "--llm-cache", join(dir.path, "missing.json"), dir.path], io)).toBe(2);
    expect(err.join("\n")).toContain("not an LLM observation cache");
  });

  test("--llm-model fills the cache once: the second run asks the model nothing and gives the same figures", async () => {
    using dir = tmpdir();
    await using model = startMockAnthropic({ script: (req) => ({ text: `${/run-jobs (\d+)/.exec(JSON.stringify(req.body))?.[1] ?? "?"}: 300 job lines, all status 0.` }) });
    const file = join(dir.path, "filled.json");
    const filler = { model: "cmp/mini", endpoint: { protocol: "openai" as const, baseURL: model.baseURL, model: "mini" }, maxTokens: 300, timeoutMs: 10_000, minOutputTokens: 500 };
    const first = await loadLlmCache(file, filler);
    const one = await benchSessions([session], { policies: ["endless"], config, llm: first });
    await first.save();
    const asked = model.requests.length;
    expect(asked).toBeGreaterThan(0);
    expect(first.stats.modelCalls).toBe(asked);
    const second = await loadLlmCache(file, filler);
    const two = await benchSessions([session], { policies: ["endless"], config, llm: second });
    expect(model.requests.length).toBe(asked);
    expect(second.stats.modelCalls).toBe(0);
    expect(two.policies.endless!.inputTokens).toBe(one.policies.endless!.inputTokens);
    expect(await main(["bench", "--llm-model", "cmp/mini", dir.path], { out: () => {}, err: () => {} })).toBe(2);
  });
});
