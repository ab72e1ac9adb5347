import { omittedBetween, recallHandle } from "./handle.ts";
import type { Observation, ToolCall } from "./types.ts";

/** Bumped whenever any compressor's output format changes. */
export const COMPRESSOR_VERSION = 1;

/** Outputs below both limits are kept whole: compressing them saves little and costs the model a recall. */
const SHORT_LINES = 40;
const SHORT_BYTES = 4096;

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

/** Joins the sections and appends the recall handle; only verbatim sections count as kept. */
export function observe(call: ToolCall, method: string, sections: readonly Section[]): Observation {
  const body = sections.flatMap((section) => section.lines);
  const kept = sections.filter((section) => section.verbatim).flatMap((section) => section.lines);
  const handle = recallHandle(call.callID, call.output, omittedBetween(call.output, kept.join("\n")));
  return { text: [...body, handle].join("\n"), method, version: COMPRESSOR_VERSION };
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

export function headTail(lines: readonly string[], headCount: number, tailCount: number): HeadTail {
  if (lines.length <= headCount + tailCount) return { head: lines, tail: [], gapStart: lines.length, gapLength: 0 };
  return {
    head: lines.slice(0, headCount),
    tail: lines.slice(lines.length - tailCount),
    gapStart: headCount,
    gapLength: lines.length - headCount - tailCount,
  };
}

/** The marker that stands where lines were cut, with 1-based line numbers so a targeted recall is possible. */
export function gapMarker(gapStart: number, gapLength: number, suffix = ""): string {
  return `… ${plural(gapLength, "line")} left out (lines ${gapStart + 1}-${gapStart + gapLength})${suffix}`;
}

/** Head and tail sections with a gap marker between them; lines are clipped to `maxWidth`. */
export function headTailSections(lines: readonly string[], headCount: number, tailCount: number, maxWidth = 400): Section[] {
  const cut = headTail(lines, headCount, tailCount);
  const show = (part: readonly string[]) => part.map((line) => clip(line, maxWidth));
  if (cut.gapLength === 0) return [excerpt(show(cut.head))];
  return [excerpt(show(cut.head)), note(gapMarker(cut.gapStart, cut.gapLength)), excerpt(show(cut.tail))];
}

/** The one-line header every compressed observation starts with: which tool, its size, what was kept. */
export function sizeLine(label: string, text: string, kept: string): string {
  return `[${label}] ${plural(text.split("\n").length, "line")}, ${byteSize(text)} bytes; ${kept}`;
}

/** Fallback for unknown tools and for any compressor failure: head and tail of the raw text. */
export function headTailCompress(call: ToolCall, method: string, headCount = 30, tailCount = 20): Observation {
  if (isShort(call.output)) return whole(call, method);
  const lines = splitLines(call.output);
  const kept = `showing first ${headCount} and last ${tailCount} lines`;
  return observe(call, method, [note(sizeLine(call.tool, call.output, kept)), ...headTailSections(lines, headCount, tailCount)]);
}
