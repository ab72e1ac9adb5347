import { describe, expect, test } from "bun:test";
import { errorLine, type LedgerCall, mergeRange, recordCall, recordRequest } from "../../src/ledger/extract.ts";
import { emptyLedger, type Ledger } from "../../src/ledger/schema.ts";

const bash = (id: string, command: string, exit: number, output = ""): LedgerCall => ({ callID: id, tool: "bash", input: { command }, output, exit });
const read = (id: string, filePath: string, first: number, last: number): LedgerCall => ({
  callID: id,
  tool: "read",
  input: { filePath },
  output: `<path>${filePath}</path>\n<content>\n${Array.from({ length: last - first + 1 }, (_, i) => `${first + i}: line`).join("\n")}\n</content>`,
});
const edit = (id: string, filePath: string): LedgerCall => ({ callID: id, tool: "edit", input: { filePath, oldString: "a", newString: "b" }, output: "Edit applied successfully." });

function play(calls: LedgerCall[]): Ledger {
  const ledger = emptyLedger();
  for (const call of calls) recordCall(ledger, call);
  return ledger;
}

describe("ledger extraction", () => {
  test("requests: the first is the goal, repeats by id are ignored, blank ones skipped", () => {
    const ledger = emptyLedger();
    recordRequest(ledger, "u1", "  Fix the login bug  ");
    recordRequest(ledger, "u1", "Fix the login bug");
    recordRequest(ledger, "u2", "   ");
    recordRequest(ledger, "u3", "Now add a test");
    expect(ledger.requests).toEqual([
      { id: "u1", text: "Fix the login bug" },
      { id: "u3", text: "Now add a test" },
    ]);
  });

  test("reads merge their line ranges per file; writes and edits count with the last call id", () => {
    const ledger = play([
      read("c1", "/p/a.ts", 1, 50),
      read("c2", "/p/a.ts", 40, 80),
      read("c3", "/p/a.ts", 200, 210),
      { callID: "c4", tool: "write", input: { filePath: "/p/b.ts", content: "x" }, output: "Wrote file successfully." },
      edit("c5", "/p/b.ts"),
      edit("c6", "/p/b.ts"),
      edit("c7", "/p/a.ts"),
    ]);
    expect(ledger.files).toEqual([
      { path: "/p/a.ts", ranges: [[1, 80], [200, 210]], reads: 3, writes: 0, edits: 1, lastCall: "c7", lastChange: "c7" },
      { path: "/p/b.ts", ranges: [], reads: 0, writes: 1, edits: 2, lastCall: "c6", lastChange: "c6" },
    ]);
    expect(ledger.calls.map((c) => `${c.id} ${c.tool} ${c.target}: ${c.outcome}`)).toEqual([
      "c1 read /p/a.ts: lines 1-50",
      "c2 read /p/a.ts: lines 40-80",
      "c3 read /p/a.ts: lines 200-210",
      "c4 write /p/b.ts: written",
      "c5 edit /p/b.ts: edited",
      "c6 edit /p/b.ts: edited",
      "c7 edit /p/a.ts: edited",
    ]);
  });

  test("apply_patch names every file it adds or updates", () => {
    const patchText = "*** Begin Patch\n*** Add File: src/new.ts\n+x\n*** Update File: src/old.ts\n@@\n-a\n+b\n*** End Patch";
    const ledger = play([{ callID: "p1", tool: "apply_patch", input: { patchText }, output: "Success." }]);
    expect(ledger.files.map((f) => [f.path, f.writes, f.edits])).toEqual([
      ["src/new.ts", 1, 0],
      ["src/old.ts", 0, 1],
    ]);
  });

  test("a failing command is an error until the same command passes; exit codes and counts per command", () => {
    const ledger = play([
      bash("b1", "npm test", 1, "running\nFAIL src/a.test.ts\nTests: 1 failed, 3 passed"),
      bash("b2", "npm run build", 2, "src/util.ts(4,1): error TS2304: Cannot find name 'x'."),
      bash("b3", "npm test", 0, "Tests: 4 passed"),
    ]);
    expect(ledger.commands).toEqual([
      { command: "npm test", runs: 2, failures: 1, lastExit: 0, lastCall: "b3" },
      { command: "npm run build", runs: 1, failures: 1, lastExit: 2, lastCall: "b2" },
    ]);
    expect(ledger.errors).toEqual([
      { callID: "b1", tool: "bash", target: "npm test", text: "FAIL src/a.test.ts", files: ["src/a.test.ts"], resolvedBy: { callID: "b3", how: "passed" } },
      { callID: "b2", tool: "bash", target: "npm run build", text: "src/util.ts(4,1): error TS2304: Cannot find name 'x'.", files: ["src/util.ts"] },
    ]);
  });

  test("an error naming a file is resolved when that file is edited afterwards; a failed edit by the next good edit", () => {
    const ledger = play([
      bash("b1", "tsc", 1, "src/util.ts:4:1 - error TS2304: Cannot find name 'x'."),
      { callID: "e1", tool: "edit", input: { filePath: "/p/lib.ts", oldString: "q", newString: "r" }, output: "Error: oldString not found in content", error: true },
      edit("e2", "/p/src/util.ts"),
      edit("e3", "/p/lib.ts"),
    ]);
    expect(ledger.errors.map((e) => [e.callID, e.resolvedBy])).toEqual([
      ["b1", { callID: "e2", how: "edited" }],
      ["e1", { callID: "e3", how: "edited" }],
    ]);
    // The failed edit changed nothing: only the two good edits count.
    expect(ledger.files.map((f) => [f.path, f.edits])).toEqual([
      ["/p/src/util.ts", 1],
      ["/p/lib.ts", 1],
    ]);
    expect(ledger.calls[1]!.outcome).toBe("failed: Error: oldString not found in content");
  });

  test("todowrite replaces the todo list; a call recorded twice counts once", () => {
    const todos = [
      { content: "write the parser", status: "completed", priority: "high" },
      { content: "test it", status: "pending" },
    ];
    const call: LedgerCall = { callID: "t1", tool: "todowrite", input: { todos }, output: "[]" };
    const ledger = play([{ callID: "t0", tool: "todowrite", input: { todos: [{ content: "old", status: "pending" }] }, output: "[]" }, call, call]);
    expect(ledger.todos).toEqual(todos);
    expect(ledger.calls).toHaveLength(2);
    expect(ledger.calls[1]).toEqual({ id: "t1", tool: "todowrite", target: "2 todos", outcome: "1 lines" });
  });

  test("helpers: ranges merge when they touch; the error line is the first that says error", () => {
    expect(mergeRange([[1, 10], [20, 30]], [11, 19])).toEqual([[1, 30]]);
    expect(mergeRange([[5, 6]], [1, 2])).toEqual([[1, 2], [5, 6]]);
    expect(errorLine("\u001b[31mstarting\u001b[0m\nTypeError: x is undefined\nat y")).toBe("TypeError: x is undefined");
    expect(errorLine("just one line")).toBe("just one line");
  });
});
