import { describe, expect, test } from "bun:test";
import {
  changedFiles,
  ENDURANCE_WINDOW,
  type EnduranceResult,
  meanOf,
  runEndurance,
  unresolvedCodes,
} from "../../src/harness/endurance.ts";
import { recall } from "../../src/recall/recall.ts";

/** A shorter run than bench/endurance.ts (300 calls): long enough for many folds, short enough for the suite. */
const CALLS = 60;
const TIMEOUT = 600_000;

/** What the issue asks of an Endless session on a 32k model, checked on one protocol's run. */
function expectEndless(run: EnduranceResult): void {
  expect(run.exitCode, run.logTail).toBe(0);
  expect(run.completedCalls).toBe(CALLS);
  expect(run.overflows).toBe(0);
  expect(run.compactions).toBe(0);
  const peak = Math.max(...run.requests);
  expect(peak).toBeLessThanOrEqual(ENDURANCE_WINDOW.context * 0.85);
  // Flat, not growing: the mean of the last 20 requests within 15% of that of requests 20-40.
  const middle = meanOf(run.requests.slice(20, 40));
  const last = meanOf(run.requests.slice(-20));
  expect(Math.abs(last - middle) / middle).toBeLessThanOrEqual(0.15);
  // Most requests keep the previous one's messages as their prefix: only folds and batches move it
  // (37 of 60 in a run measured here).
  expect(run.prefixKept).toBeGreaterThan((run.requests.length - 1) / 2);
  // Every archived output comes back whole by its id.
  const archive = run.archive!;
  for (const part of run.stored) {
    const answer = recall(archive, run.sessionID, { id: part.callID, limit: 100_000 });
    expect(answer.split("\n")[0]).toContain("complete");
    expect(answer.slice(answer.indexOf("\n") + 1)).toBe(part.state.output);
  }
  // The last request names every file written or edited and every error left unresolved.
  const final = JSON.stringify(run.finalRequest?.body?.messages ?? []);
  expect(changedFiles(run.steps, run.project).filter((f) => !final.includes(f))).toEqual([]);
  const codes = unresolvedCodes(run.steps);
  expect(codes.length).toBeGreaterThan(0);
  expect(codes.filter((c) => !final.includes(c))).toEqual([]);
  // It did fold: the oldest calls are no longer sent, the ledger digest stands for them.
  expect(final).toContain("[endless: session ledger]");
  expect(final).not.toContain(`"${run.steps[0]!.id}"`);
}

describe("an endless session on a 32k-window model, through real opencode", () => {
  for (const protocol of ["anthropic", "openai"] as const) {
    test(
      `${protocol}: ${CALLS} calls with no overflow, no compaction, a flat request size and everything recallable`,
      async () => {
        const run = await runEndurance({ calls: CALLS, endless: {}, protocol, timeoutMs: TIMEOUT - 60_000 });
        try {
          expectEndless(run);
        } finally {
          run.archive?.close();
          await run.dispose();
        }
      },
      TIMEOUT,
    );
  }
});
