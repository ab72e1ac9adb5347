import { describe, expect, test } from "bun:test";
import { renderDigest } from "../../src/ledger/digest.ts";
import { type LedgerCall, recordCall, recordRequest } from "../../src/ledger/extract.ts";
import { emptyLedger, type Ledger } from "../../src/ledger/schema.ts";
import { countTokens } from "../../src/tokens/count.ts";

const chars = (text: string) => text.length;

function small(): Ledger {
  const ledger = emptyLedger();
  recordRequest(ledger, "u1", "Fix the build");
  const calls: LedgerCall[] = [
    { callID: "c1", tool: "bash", input: { command: "make" }, output: "main.c:3: error: x undeclared", exit: 2 },
    { callID: "c2", tool: "read", input: { filePath: "/p/main.c" }, output: "1: int main\n2: {\n3: x;" },
    { callID: "c3", tool: "edit", input: { filePath: "/p/main.c" }, output: "ok" },
    { callID: "c4", tool: "bash", input: { command: "make test" }, output: "FAIL: t1", exit: 1 },
  ];
  for (const call of calls) recordCall(ledger, call);
  return ledger;
}

describe("ledger digest", () => {
  test("with room for everything: every section, newest first, paths relative to the root", () => {
    const { text, tokens } = renderDigest(small(), { budgetTokens: 10_000, foldedCalls: 4, root: "/p", count: chars });
    // One character a token: every line's count and every line break, none after the last line.
    expect(tokens).toBe(text.length);
    expect(text.split("\n")).toEqual([
      "[endless: session ledger]",
      'The earlier part of this session (4 tool calls) is folded out of this request and summarised below, newest first within each section. Every tool output is archived whole: recall({"id":"<call id>"}) returns one, recall({"query":"words"}) searches them.',
      "Goal (the first request): Fix the build",
      "Unresolved errors (1):",
      "- c4 bash make test: FAIL: t1",
      "Files written or edited (1):",
      "- main.c: edited 1x, last c3",
      "Commands run (2):",
      "- `make test`: 1x, 1 failed, last exit 1, last c4",
      "- `make`: 1x, 1 failed, last exit 2, last c1",
      "Resolved errors (1):",
      "- c1 bash make: main.c:3: error: x undeclared (edited in c3)",
      "Tool calls (id tool target: outcome) (4):",
      "- c4 bash make test: exit 1, 1 lines",
      "- c3 edit main.c: edited",
      "- c2 read main.c: lines 1-3",
      "- c1 bash make: exit 2, 1 lines",
    ]);
  });

  test("a tight budget keeps the head and the first sections, and says what it left out", () => {
    const full = renderDigest(small(), { budgetTokens: 10_000, foldedCalls: 4, root: "/p", count: chars }).text;
    const budget = 520;
    const { text } = renderDigest(small(), { budgetTokens: budget, foldedCalls: 4, root: "/p", count: chars });
    // Each line costs its length plus one (the newline).
    expect(text.split("\n").reduce((n, l) => n + l.length + 1, 0)).toBeLessThanOrEqual(budget);
    expect(text).toContain("- c4 bash make test: FAIL: t1");
    expect(text).toContain("- main.c: edited 1x, last c3");
    expect(text.length).toBeLessThan(full.length);
  });

  test("2,000 calls over 300 files: the digest stays within its budget and names the newest of each kind", () => {
    const ledger = emptyLedger();
    recordRequest(ledger, "u1", "Refactor everything");
    for (let i = 0; i < 2000; i++) {
      const file = `/p/src/module${i % 300}.ts`;
      const call: LedgerCall =
        i % 3 === 0
          ? { callID: `c${i}`, tool: "bash", input: { command: `npm test -- ${i % 40}` }, output: i % 7 === 0 ? "Error: boom" : "ok", exit: i % 7 === 0 ? 1 : 0 }
          : i % 3 === 1
            ? { callID: `c${i}`, tool: "read", input: { filePath: file }, output: "1: a\n2: b" }
            : { callID: `c${i}`, tool: "edit", input: { filePath: file }, output: "ok" };
      recordCall(ledger, call);
    }
    for (const budget of [1_000, 3_000, 6_000]) {
      const { text, tokens } = renderDigest(ledger, { budgetTokens: budget, foldedCalls: 2000, root: "/p" });
      // Lines are counted one by one; joined, the text may tokenise a little differently.
      expect(tokens).toBeLessThanOrEqual(budget);
      expect(Math.abs(countTokens(text) - tokens)).toBeLessThanOrEqual(budget * 0.05);
      expect(text).toContain("Goal (the first request): Refactor everything");
      expect(text).toContain("- src/module98.ts: edited"); // c1998 edits module98, the newest change
    }
  });

  test("deterministic: the same ledger renders the same bytes", () => {
    expect(renderDigest(small(), { budgetTokens: 500, foldedCalls: 4 })).toEqual(renderDigest(small(), { budgetTokens: 500, foldedCalls: 4 }));
  });
});
