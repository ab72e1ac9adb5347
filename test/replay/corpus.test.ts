import { describe, expect, test } from "bun:test";
import { runBench } from "../../src/replay/run.ts";
import { defaultPolicyConfig } from "../../src/config/schema.ts";
import { corpusFile, hasCorpus, noteMissingCorpus } from "../fixtures/sessions/corpus.ts";

noteMissingCorpus("bench corpus");

describe.skipIf(!hasCorpus)("bench on real sessions", () => {
  test("invariants hold on the Claude Code snapshot sessions under every policy", async () => {
    const report = await runBench([corpusFile("claude-reliability-snapshots")], {
      policies: ["none", "opencode-prune", "anthropic-clear", "mask-last-5", "endless"],
      config: defaultPolicyConfig(),
    });
    expect(report.sessions).toBe(7);
    expect(report.skipped).toEqual([]);
    const { none, endless } = report.policies;
    // Nothing removed: every request extends the previous one, every reference is in context.
    expect(none!.cacheBreaks).toBe(0);
    expect(none!.retention).toBe(1);
    for (const totals of Object.values(report.policies)) {
      expect(totals.inputTokens).toBeLessThanOrEqual(none!.inputTokens);
      expect(totals.cachedTokens).toBeLessThanOrEqual(totals.inputTokens);
      expect(totals.costNoCacheUSD).toBeCloseTo((totals.inputTokens * 3) / 1e6, 9);
    }
    expect(endless!.recallable).not.toBeNull();
  });
});
