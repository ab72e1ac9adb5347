import { describe, expect, test } from "bun:test";
import { applyFold, type FoldMarks, type FoldState, type FoldUnit, foldMarks, keptFrom, planFold } from "../../src/context/fold.ts";
import { rng } from "../fake/random-session.ts";

const units = (...tokens: number[]): FoldUnit[] => tokens.map((t, i) => ({ id: `m${i + 1}`, tokens: t }));
const MARKS: FoldMarks = { high: 1000, low: 600, digestBudget: 100 };

describe("planFold", () => {
  test("below the high mark nothing moves", () => {
    // fixed 200 + 300 + 300 + 200 = 1000: at the mark, not past it.
    const plan = planFold({ units: units(300, 300, 200), foldable: 3, fixedTokens: 200, state: undefined, marks: MARKS });
    expect(plan).toEqual({ through: undefined, moved: false, estimate: 1000 });
  });

  test("past the high mark the oldest go until the request with a full digest is at most the low mark", () => {
    // 200 + 300+300+200+100 = 1100 > 1000. Fold m1: 200+100+600 = 900 > 600; fold m2: 200+100+300 = 600 <= 600.
    const plan = planFold({ units: units(300, 300, 200, 100), foldable: 4, fixedTokens: 200, state: undefined, marks: MARKS });
    expect(plan).toEqual({ through: "m2", moved: true, estimate: 600 });
  });

  test("the newest units are never folded, even when the low mark cannot be met", () => {
    // Only m1 may go: 200 + 100 + 400+400+400 = 1500 still above 600, and the fold stops there.
    const plan = planFold({ units: units(400, 400, 400, 400), foldable: 1, fixedTokens: 200, state: undefined, marks: MARKS });
    expect(plan).toEqual({ through: "m1", moved: true, estimate: 1500 });
    const none = planFold({ units: units(900, 900), foldable: 0, fixedTokens: 200, state: undefined, marks: MARKS });
    expect(none.moved).toBe(false);
  });

  test("an existing fold counts its digest's real tokens and moves on from where it stopped", () => {
    const state: FoldState = { anchor: "m0", through: "m2", folds: 1, digest: "D", digestTokens: 50 };
    // Kept m3..m5 = 200+300+300; 200 + 50 + 800 = 1050 > 1000. Fold m3: 200+100+600 = 900; m4: 200+100+300 = 600.
    const plan = planFold({ units: units(300, 300, 200, 300, 300), foldable: 5, fixedTokens: 200, state, marks: MARKS });
    expect(plan).toEqual({ through: "m4", moved: true, estimate: 600 });
  });

  test("weighing only the units after the folded ones (what the plugin shapes) plans the same move", () => {
    const state: FoldState = { anchor: "m0", through: "m2", folds: 1, digest: "D", digestTokens: 50 };
    const all = units(300, 300, 200, 300, 300);
    const kept = all.slice(2);
    expect(planFold({ units: kept, foldable: 3, fixedTokens: 200, state, marks: MARKS })).toEqual(planFold({ units: all, foldable: 5, fixedTokens: 200, state, marks: MARKS }));
    // Below the high mark too: nothing moves either way, at the same estimate.
    const calm = { ...state, digestTokens: 10 };
    const small = units(300, 300, 100, 100);
    expect(planFold({ units: small.slice(2), foldable: 2, fixedTokens: 200, state: calm, marks: MARKS }).estimate).toBe(planFold({ units: small, foldable: 4, fixedTokens: 200, state: calm, marks: MARKS }).estimate);
  });

  test("keptFrom: the index after the folded messages; 1 with nothing folded, a moved anchor, or a folded message no longer there", () => {
    const messages = ["m0", "m1", "m2", "m3", "m4"];
    const id = (m: string) => m;
    const state: FoldState = { anchor: "m0", through: "m2", folds: 1, digest: "D", digestTokens: 50 };
    expect(keptFrom(messages, id, state)).toBe(3);
    expect(keptFrom(messages, id, undefined)).toBe(1);
    expect(keptFrom(messages, id, { anchor: "m0", folds: 1, digest: "D", digestTokens: 50 })).toBe(1);
    expect(keptFrom(["c0", ...messages.slice(1)], id, state)).toBe(1);
    expect(keptFrom(["m0", "m3", "m4"], id, state)).toBe(1);
    // What applyFold sends after the first message and the digest starts there.
    expect(applyFold(messages, id, state, (t) => `digest:${t}`)).toEqual(["m0", "digest:D", ...messages.slice(3)]);
  });

  test("marks are shares of the room above the fixed tokens; the digest budget a capped share of the window", () => {
    // usable 28000, fixed 8000: room 20000 -> high 8000+14000, low 8000+9000; digest min(4000, 2240).
    expect(foldMarks(28_000, 8_000, { high: 0.7, low: 0.45, digest: 0.08, digestMax: 4_000 })).toEqual({ high: 22_000, low: 17_000, digestBudget: 2_240 });
  });
});

interface Msg {
  readonly id: string;
  readonly role: "user" | "assistant";
  readonly calls: readonly string[];
  readonly tokens: number;
}

/** The request as the wire carries it: an assistant's tool_use blocks, then a user message with their results. */
function wire(sent: readonly Msg[]): { role: string; uses: string[]; results: string[] }[] {
  return sent.flatMap((m) =>
    m.role === "user" || m.calls.length === 0
      ? [{ role: m.role, uses: [], results: [] }]
      : [
          { role: "assistant", uses: [...m.calls], results: [] },
          { role: "user", uses: [], results: [...m.calls] },
        ],
  );
}

const key = (sent: readonly Msg[]) => sent.map((m) => `${m.id}:${m.tokens}`);

describe("folding, as a property over random sessions", () => {
  test("never orphans a tool_use or tool_result, keeps the first message, and keeps the prefix between folds", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const next = rng(seed);
      const marks: FoldMarks = { high: 3000 + Math.floor(next() * 3000), low: 0, digestBudget: 200 + Math.floor(next() * 300) };
      const fixedTokens = 300 + Math.floor(next() * 500);
      const keepNewest = 1 + Math.floor(next() * 3);
      Object.assign(marks, { low: fixedTokens + marks.digestBudget + Math.floor((marks.high - fixedTokens - marks.digestBudget) * (0.2 + next() * 0.6)) });
      const messages: Msg[] = [{ id: "u0", role: "user", calls: [], tokens: 50 }];
      let state: FoldState | undefined;
      let previous: Msg[] | undefined;
      let folds = 0;
      for (let step = 1; step <= 120; step++) {
        const parallel = 1 + Math.floor(next() * 3);
        const user = next() < 0.08;
        messages.push(
          user
            ? { id: `u${step}`, role: "user", calls: [], tokens: 20 + Math.floor(next() * 200) }
            : { id: `a${step}`, role: "assistant", calls: Array.from({ length: parallel }, (_, c) => `t${step}_${c}`), tokens: 50 + Math.floor(next() * 1500) },
        );
        const units = messages.slice(1).map((m) => ({ id: m.id, tokens: m.tokens }));
        const plan = planFold({ units, foldable: units.length - keepNewest, fixedTokens, state, marks });
        if (plan.moved) {
          folds++;
          state = { anchor: "u0", through: plan.through, folds, digest: `digest ${folds}`, digestTokens: Math.floor(marks.digestBudget * next()) };
        }
        const digestMsg = (text: string): Msg => ({ id: `d:${text}`, role: "user", calls: [], tokens: state?.digestTokens ?? 0 });
        const sent = applyFold(messages, (m) => m.id, state, digestMsg);

        expect(sent[0]!.id).toBe("u0");
        // Every tool_use is answered in the very next message, and every tool_result answers the one before.
        const w = wire(sent);
        w.forEach((m, i) => {
          if (m.uses.length > 0) expect(w[i + 1]?.results).toEqual(m.uses);
          if (m.results.length > 0) expect(w[i - 1]?.uses).toEqual(m.results);
        });
        // The newest keepNewest messages are always sent.
        expect(sent.slice(-keepNewest).map((m) => m.id)).toEqual(messages.slice(-keepNewest).map((m) => m.id));
        // Kept messages are a contiguous, ordered tail of the history.
        const kept = sent.filter((m) => !m.id.startsWith("d:")).slice(1);
        const start = messages.findIndex((m) => m.id === kept[0]?.id);
        expect(kept.map((m) => m.id)).toEqual(messages.slice(start).map((m) => m.id));
        // Between two folds a request starts with the previous one byte for byte.
        if (!plan.moved && previous !== undefined) expect(key(sent).slice(0, previous.length)).toEqual(key(previous));
        previous = sent;
      }
      expect(folds).toBeGreaterThan(0);
    }
  });
});
