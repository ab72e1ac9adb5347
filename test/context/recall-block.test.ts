import { describe, expect, test } from "bun:test";
import { RECALL_BLOCK_MARK, recallBlock, recallTerms } from "../../src/context/recall-block.ts";
import { countTokens } from "../../src/tokens/count.ts";

describe("recallTerms", () => {
  test("distinctive words of three characters or more, lowercased, once each, in order, without stopwords", () => {
    expect(recallTerms("Why does the parser_test fail with E1234 in src/Lexer.ts? The lexer, again")).toEqual(["parser_test", "fail", "e1234", "src", "lexer"]);
  });

  test("a message of stopwords and short words has none; a long one is cut to twelve", () => {
    expect(recallTerms("is it ok? and then?")).toEqual([]);
    const words = Array.from({ length: 20 }, (_, i) => `word${i}`);
    expect(recallTerms(words.join(" "))).toEqual(words.slice(0, 12));
  });
});

describe("recallBlock", () => {
  const hit = (callID: string, excerpt: string) => ({ callID, tool: "bash", excerpt });
  const options = { verbatim: new Set<string>(), maxHits: 3, maxTokens: 400, count: countTokens };

  test("one line per hit, best first, under the header that says how to get one whole", () => {
    const block = recallBlock([hit("toolu_a", "FAIL  parser_test\n  expected 3"), hit("toolu_b", "ok parser")], options)!;
    expect(block.split("\n")).toEqual([
      `${RECALL_BLOCK_MARK} Earlier outputs of this session that match this message (excerpts; recall({"id":"<call id>"}) gives one whole):`,
      "- toolu_a (bash): FAIL parser_test expected 3",
      "- toolu_b (bash): ok parser",
    ]);
  });

  test("never repeats an output the request carries verbatim, nor one hit twice; none left: no block", () => {
    const hits = [hit("toolu_a", "x"), hit("toolu_b", "y"), hit("toolu_b", "y again")];
    expect(recallBlock(hits, { ...options, verbatim: new Set(["toolu_a"]) })).toBe(`${recallBlock([hit("toolu_b", "y")], options)}`);
    expect(recallBlock([hit("toolu_a", "x")], { ...options, verbatim: new Set(["toolu_a"]) })).toBeUndefined();
  });

  test("at most maxHits lines; within the token cap, header included; an excerpt is cut to one bounded line", () => {
    const hits = Array.from({ length: 8 }, (_, i) => hit(`toolu_${i}`, `line ${i} `.repeat(200)));
    expect(recallBlock(hits, { ...options, maxHits: 2 })!.split("\n")).toHaveLength(3);
    for (const cap of [250, 400, 800]) {
      const block = recallBlock(hits, { ...options, maxHits: 8, maxTokens: cap })!;
      expect(countTokens(block)).toBeLessThanOrEqual(cap);
      // The cap is what stops it: one more line would pass it.
      const lines = block.split("\n").length - 1;
      expect(lines).toBeLessThan(8);
      expect(countTokens(recallBlock(hits, { ...options, maxHits: lines + 1, maxTokens: 100_000 })!)).toBeGreaterThan(cap);
    }
    expect(recallBlock(hits, { ...options, maxTokens: 30 })).toBeUndefined();
    const line = recallBlock(hits.slice(0, 1), options)!.split("\n")[1]!;
    expect(line.length).toBeLessThan(340);
    expect(line.endsWith("…")).toBe(true);
  });
});
