/**
 * Relevant recall: on a new user message, a short block of this session's earlier outputs that match it,
 * added to that message. Pure: which words to search for, and which hits the block carries within its cap.
 * The archive searches; the hook decides when and keeps the block byte-identical for the rest of the session.
 *
 * @module
 */

/** English words that say nothing of what a message is about (the ranking weighs the rest by how rare they are). */
const STOPWORDS = new Set(
  (
    "the and for are but not you all any can had her was one our out has him his how its may new now see two way who " +
    "did get let put say she too use that with this from have they will your what when where which while there their " +
    "then them than these those been being were into onto over under about after again also just only some such more " +
    "most other very should could would please make sure want need like does done each here why"
  ).split(" "),
);

/** At most this many words are searched for: a long message's first distinctive words say what it is about. */
const MAX_TERMS = 12;

/**
 * The distinctive words of a message, in the order they first appear: runs of letters, digits and `_` of
 * three characters or more (`parser_test`, `E1234`; `a`, `of`, `v2` are left out), lowercased, without
 * stopwords, each once.
 */
export function recallTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}_]{3,}/gu)) {
    const word = match[0].toLowerCase();
    if (STOPWORDS.has(word) || terms.includes(word)) continue;
    terms.push(word);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

/** One archived output that matched, best first, with an excerpt around the match. */
export interface RecallHit {
  readonly callID: string;
  readonly tool: string;
  readonly excerpt: string;
}

export interface RecallBlockOptions {
  /** Calls whose outputs the request already carries verbatim: a block never repeats them. */
  readonly verbatim: ReadonlySet<string>;
  readonly maxHits: number;
  /** The block's token cap, its header included. */
  readonly maxTokens: number;
  readonly count: (text: string) => number;
}

export const RECALL_BLOCK_MARK = "[endless: relevant memory]";

/** An excerpt line is cut to this many characters: a hit is a pointer with context, recall has the rest. */
const EXCERPT_CHARS = 300;

const oneLine = (text: string): string => {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS - 1)}…` : line;
};

/**
 * The block for a message: the best hits not already in the request verbatim, one line each, as many as fit
 * the cap (at most `maxHits`); undefined when none does.
 */
export function recallBlock(hits: readonly RecallHit[], options: RecallBlockOptions): string | undefined {
  const header = `${RECALL_BLOCK_MARK} Earlier outputs of this session that match this message (excerpts; recall({"id":"<call id>"}) gives one whole):`;
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const hit of hits) {
    if (lines.length === options.maxHits) break;
    if (options.verbatim.has(hit.callID) || seen.has(hit.callID)) continue;
    seen.add(hit.callID);
    const line = `- ${hit.callID} (${hit.tool}): ${oneLine(hit.excerpt)}`;
    if (options.count([header, ...lines, line].join("\n")) > options.maxTokens) continue;
    lines.push(line);
  }
  return lines.length === 0 ? undefined : [header, ...lines].join("\n");
}
