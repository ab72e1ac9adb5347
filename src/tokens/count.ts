import Tokenizer from "ai-tokenizer";
import * as claude from "ai-tokenizer/encoding/claude";

/**
 * One tokenizer for the whole project (plugin, demo, replay benchmark): ai-tokenizer's `claude` encoding,
 * which its authors measure at ~98-99% agreement with Anthropic's own counts, with no WASM and no network.
 */
let tokenizer: Tokenizer | undefined;

/**
 * The tokenizer's cost grows with the square of a run without whitespace (a 50,000-character minified line
 * took 4 s, a 1 MB one would take half an hour, inside opencode's process): longer runs are counted in
 * pieces of this many characters, which changes a count by at most a token per piece.
 */
const MAX_RUN = 256;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1},}`, "g");
/** Above this many characters a text is counted from samples (its head and tail) and scaled to its length. */
const EXACT_LIMIT = 128 * 1024;
const SAMPLE = 32 * 1024;

function countRuns(text: string): number {
  tokenizer ??= new Tokenizer(claude);
  let total = 0;
  let last = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    total += tokenizer.count(text.slice(last, match.index));
    for (let i = 0; i < match[0].length; i += MAX_RUN) total += tokenizer.count(match[0].slice(i, i + MAX_RUN));
    last = match.index + match[0].length;
  }
  return total + (last < text.length ? tokenizer.count(text.slice(last)) : 0);
}

export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= EXACT_LIMIT) return countRuns(text);
  const sampled = countRuns(text.slice(0, SAMPLE)) + countRuns(text.slice(-SAMPLE));
  return Math.ceil((sampled * text.length) / (2 * SAMPLE));
}

/** About four characters a token: what hot paths use before the real count is made in the background. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The texts counted last, by text, for counts made twice in one process: an observation is counted when it
 * is made (idle work, while the model streams) and again when a batch first sends it (on the request path).
 * Bounded: the oldest are forgotten first.
 */
const REMEMBERED = 4_096;
const remembered = new Map<string, number>();

/** `countTokens`, answered from memory for a text counted by it lately. */
export function rememberedCount(text: string): number {
  let tokens = remembered.get(text);
  if (tokens === undefined) {
    tokens = countTokens(text);
    if (remembered.size >= REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(text, tokens);
  }
  return tokens;
}
