import { omittedBetween, recallHandle } from "./handle.ts";
import { namesLeftOut } from "./names.ts";
import type { Observation, ToolCall } from "./types.ts";

/** Bumped whenever any compressor's output format changes. */
export const COMPRESSOR_VERSION = 3;

/** Outputs below both limits are kept whole: compressing them saves little and costs the model a recall. */
const SHORT_LINES = 12;
const SHORT_BYTES = 1024;

/** Room in characters for a part of an observation: a share of the text it stands for, within bounds. */
export interface Budget {
  readonly share: number;
  readonly min: number;
  readonly max: number;
}

/** The list of left-out names. */
export const DEFAULT_NAMES: Budget = { share: 0.04, min: 160, max: 1200 };
/** Verbatim head and tail lines of text outputs. */
export const EXCERPT: Budget = { share: 0.12, min: 600, max: 3000 };
/** Sub-agent reports are already summaries, dense with the names the agent goes on to use: more of them is kept. */
export const REPORT_EXCERPT: Budget = { share: 0.5, min: 2000, max: 8000 };
/** Width at which excerpt lines are cut. */
export const LINE_WIDTH = 200;

/**
 * A piece of an observation. `verbatim` pieces carry lines of the original, so they count as kept when the
 * handle states what was left out; notes (headers, outlines, counts) do not.
 */
export interface Section {
  readonly lines: readonly string[];
  readonly verbatim: boolean;
}

export const note = (...lines: string[]): Section => ({ lines, verbatim: false });
export const excerpt = (lines: readonly string[]): Section => ({ lines, verbatim: true });

/** A string input field, or undefined when absent or of another type (inputs come from the model). */
export function inputString(call: ToolCall, key: string): string | undefined {
  const value = call.input[key];
  return typeof value === "string" ? value : undefined;
}

/** Whether `text[i]` is the second half of a surrogate pair: a cut there would split one character. */
export const isLowSurrogate = (text: string, i: number): boolean => (text.charCodeAt(i) & 0xfc00) === 0xdc00;

export const byteSize = (text: string): number => Buffer.byteLength(text, "utf8");

/** Lines as the handle counts them (a trailing newline makes an empty last line), with CR of CRLF dropped. */
export const splitLines = (text: string): string[] => text.split("\n").map((line) => line.replace(/\r$/, ""));

export const isShort = (text: string): boolean =>
  byteSize(text) < SHORT_BYTES && text.split("\n").length < SHORT_LINES;

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Cuts a line to `max` characters, saying how much went, so long minified lines cannot blow up a summary. */
export function clip(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max)}… [+${line.length - max} chars]`;
}

/** The text of a call's input (its string values), which the model sees right before the output. */
function inputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (Array.isArray(input)) return input.map(inputText).join("\n");
  if (typeof input === "object" && input !== null) return Object.values(input).map(inputText).join("\n");
  return "";
}

/** Inputs come from the model and may be anything; an input that cannot be read only loses the exclusion. */
function safeInputText(input: unknown): string {
  try {
    return inputText(input);
  } catch {
    return "";
  }
}

/** The names of the output that neither the body nor the call's input shows, as one line (none when all are). */
function namesSection(call: ToolCall, body: readonly string[], budget: Budget, source: string): Section[] {
  const shown = body.join("\n");
  const room = budgetFor(Math.max(0, source.length - shown.length), budget);
  const { names, more } = namesLeftOut(source, `${shown}\n${safeInputText(call.input)}`, room);
  if (names.length === 0) return [];
  return [note(`names in the left-out text: ${names.join(", ")}${more > 0 ? ` (+${more} more)` : ""}`)];
}

/**
 * Joins the sections and appends the recall handle; only verbatim sections count as kept. With `names`,
 * a line listing the names of `namesSource` (the output, or the part of it whose names the sections do not
 * already stand for) that the sections left out comes before the handle.
 */
export function observe(call: ToolCall, method: string, sections: readonly Section[], names?: Budget, namesSource = call.output): Observation {
  const body = sections.flatMap((section) => section.lines);
  const listed = names ? namesSection(call, body, names, namesSource) : [];
  const kept = sections.filter((section) => section.verbatim).flatMap((section) => section.lines);
  const handle = recallHandle(call.callID, call.output, omittedBetween(call.output, kept.join("\n")));
  return { text: [...body, ...listed.flatMap((s) => s.lines), handle].join("\n"), method, version: COMPRESSOR_VERSION };
}

/** The whole output plus its handle (which then says 0 lines left out). */
export function whole(call: ToolCall, method: string): Observation {
  return observe(call, method, [excerpt([call.output])]);
}

export interface HeadTail {
  readonly head: readonly string[];
  readonly tail: readonly string[];
  /** Index of the first line left out between head and tail (equals head.length). */
  readonly gapStart: number;
  /** Number of lines left out between head and tail. */
  readonly gapLength: number;
}

/** How many of `lines` (from the start) fit in `chars` characters, each line counted up to `width`; at least one. */
function linesWithin(lines: readonly string[], chars: number, width: number): number {
  let used = 0;
  let count = 0;
  for (const line of lines) {
    used += Math.min(line.length, width) + 1;
    if (count > 0 && used > chars) break;
    count++;
  }
  return count;
}

/**
 * The first `headCount` and last `tailCount` lines. With a character budget, fewer lines when they are long:
 * two fifths of the budget for the head, the rest for the tail (lines counted up to `width` characters).
 */
export function headTail(lines: readonly string[], headCount: number, tailCount: number, budget?: { chars: number; width: number }): HeadTail {
  let head = headCount;
  let tail = tailCount;
  if (budget) {
    head = Math.min(head, linesWithin(lines, budget.chars * 0.4, budget.width));
    tail = Math.min(tail, linesWithin([...lines].reverse(), budget.chars * 0.6, budget.width));
  }
  if (lines.length <= head + tail) return { head: lines, tail: [], gapStart: lines.length, gapLength: 0 };
  return {
    head: lines.slice(0, head),
    tail: lines.slice(lines.length - tail),
    gapStart: head,
    gapLength: lines.length - head - tail,
  };
}

/** Characters an observation may spend on one part, for `length` characters of original text. */
export const budgetFor = (length: number, budget: Budget = EXCERPT): number =>
  Math.max(budget.min, Math.min(budget.max, Math.round(length * budget.share)));

/** The marker that stands where lines were cut, with 1-based line numbers so a targeted recall is possible. */
export function gapMarker(gapStart: number, gapLength: number, suffix = ""): string {
  return `… ${plural(gapLength, "line")} left out (lines ${gapStart + 1}-${gapStart + gapLength})${suffix}`;
}

/** Head and tail sections with a gap marker between them; lines are clipped to `maxWidth`. */
export function headTailSections(lines: readonly string[], headCount: number, tailCount: number, maxWidth = LINE_WIDTH): Section[] {
  const cut = headTail(lines, headCount, tailCount);
  const show = (part: readonly string[]) => part.map((line) => clip(line, maxWidth));
  if (cut.gapLength === 0) return [excerpt(show(cut.head))];
  return [excerpt(show(cut.head)), note(gapMarker(cut.gapStart, cut.gapLength)), excerpt(show(cut.tail))];
}

/** The one-line header every compressed observation starts with: which tool and what was kept (the handle gives sizes). */
export function sizeLine(label: string, kept: string): string {
  return `[${label}] ${kept}`;
}

/** Fallback for unknown tools and for any compressor failure: head and tail of the raw text. */
export function headTailCompress(call: ToolCall, method: string, headCount = 12, tailCount = 8, budget: Budget = EXCERPT): Observation {
  if (isShort(call.output)) return whole(call, method);
  const lines = splitLines(call.output);
  const cut = headTail(lines, headCount, tailCount, { chars: budgetFor(call.output.length, budget), width: LINE_WIDTH });
  const kept = cut.gapLength === 0 ? `all lines, cut to ${LINE_WIDTH} chars` : `showing first ${cut.head.length} and last ${cut.tail.length} lines`;
  const sections = headTailSections(lines, cut.head.length, cut.tail.length, LINE_WIDTH);
  return observe(call, method, [note(sizeLine(call.tool, kept)), ...sections], DEFAULT_NAMES);
}
