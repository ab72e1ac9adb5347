import { describe, expect, test } from "bun:test";
import { extractFacts, findReferences } from "../../src/replay/facts.ts";
import type { Session } from "../../src/replay/importers/model.ts";

describe("bench.extractFacts", () => {
  test("finds paths, file names, identifiers, numbers, hashes and error strings", () => {
    const facts = extractFacts(
      "see /tmp/repo/src/calc_utils.py line 1234: divideSafely raised ValueError: division by zero (commit 6322cf4) v2.10.1",
    );
    for (const fact of ["/tmp/repo/src/calc_utils.py", "calc_utils.py", "divideSafely", "1234", "6322cf4", "2.10.1", "ValueError: division by zero"]) {
      expect(facts.has(fact)).toBe(true);
    }
  });

  test("leaves out plain words and short numbers", () => {
    expect([...extractFacts("the result was 42 and fine")]).toEqual([]);
  });
});

const session = (steps: { text: string; calls: { id: string; input?: Record<string, unknown>; output: string }[] }[], user = "fix it"): Session => ({
  id: "s",
  name: "s",
  source: "opencode",
  file: "s.json",
  system: "",
  turns: [
    {
      user,
      steps: steps.map((s) => ({
        text: s.text,
        calls: s.calls.map((c) => ({ callID: c.id, tool: "read", input: c.input ?? {}, output: c.output })),
      })),
    },
  ],
});

describe("bench.findReferences", () => {
  test("a fact first seen in an output and later written by the agent is a reference, counted once", () => {
    const refs = findReferences(
      session([
        { text: "", calls: [{ id: "c1", output: "def divide_safely(a, b):" }] },
        { text: "", calls: [{ id: "c2", output: "divide_safely is called in 3 places" }] },
        { text: "I will change divide_safely", calls: [] },
        { text: "divide_safely again", calls: [] },
      ]),
    );
    expect(refs).toEqual([{ fact: "divide_safely", origin: "c1", useStep: 2, holders: ["c1", "c2"], inUserText: false }]);
  });

  test("a fact echoed from the call's own input, or said by the user first, is not a reference", () => {
    const refs = findReferences(
      session(
        [
          { text: "", calls: [{ id: "c1", input: { path: "src/calc_utils.py" }, output: "src/calc_utils.py: 3 lines; user_said_this" }] },
          { text: "edit src/calc_utils.py and user_said_this", calls: [] },
        ],
        "please look at user_said_this",
      ),
    );
    expect(refs).toEqual([]);
  });
});
