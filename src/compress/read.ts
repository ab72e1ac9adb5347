import { languageOf } from "./grammars.ts";
import { formatOutline, outlineOf } from "./outline.ts";
import type { Outline } from "./outline-text.ts";
import { pathSections } from "./search.ts";
import {
  budgetFor,
  clip,
  DEFAULT_NAMES,
  excerpt,
  headTailSections,
  inputString,
  isShort,
  LINE_WIDTH,
  note,
  observe,
  sizeLine,
  splitLines,
  whole,
  type Budget,
  type Section,
} from "./text.ts";
import type { Observation, ToolCall } from "./types.ts";

const FIRST_LINES = 8;
/** Room for an outline: a share of the file it stands for, so a short file gets a short outline. */
const OUTLINE: Budget = { share: 0.05, min: 600, max: 2400 };
/** Lines kept of what the tool appended after the content (system reminders with instructions). */
const TRAILER_LINES = 12;

/** What opencode's read output shows: numbered file lines, or a directory's entries. */
interface ReadView {
  readonly path: string;
  readonly numbers: readonly number[];
  readonly texts: readonly string[];
  /** The tool's own notes inside the content, e.g. "(End of file - total 120 lines)". */
  readonly notes: readonly string[];
  /** Text after the content, e.g. <system-reminder> blocks with instructions for the model. */
  readonly trailer: readonly string[];
  readonly entries?: readonly string[];
  /** The path the call's input gave, when it gave one. */
  readonly inputPath?: string;
}

/** `12: text` (opencode 1.x) or `00012| text` (older versions). */
const NUMBERED = /^(\d+)(?:: |:$|\| ?)(.*)$/;
/** `12: text`, the numbering code-search tools use for a file's lines. */
const NUMBERED_TEXT = /^(\d+): ?(.*)$/;
/** `    12→text` or `    12<TAB>text`: `cat -n` style, as other agents' read tools print files. */
const CAT_NUMBERED = /^\s*(\d+)(?:→|\t)(.*)$/;
const CONTENT_OPEN = /^<(content|file)>/;
const CONTENT_CLOSE = /^<\/(content|file)>$/;

function between(lines: readonly string[], open: RegExp, close: RegExp): { body: string[]; after: string[] } | undefined {
  const start = lines.findIndex((line) => open.test(line));
  if (start === -1) return undefined;
  // File lines carry a number prefix, so the first closing tag after the opening one is the real one.
  const closing = lines.findIndex((line, i) => i > start && close.test(line));
  const end = closing === -1 ? lines.length : closing;
  const first = (lines[start] ?? "").replace(open, "");
  const body = [...(first === "" ? [] : [first]), ...lines.slice(start + 1, end)];
  return { body, after: lines.slice(end + 1).filter((line) => line.trim() !== "") };
}

/**
 * A file printed with line numbers and no tags around it (`cat -n` style, or `12: text` after a line or
 * two naming its source, as code-search tools print files). The lines before the numbered ones are kept
 * as notes, the lines after them as the trailer.
 */
function parseNumbered(lines: readonly string[], path: string, pattern: RegExp, maxHeader: number): ReadView | undefined {
  const start = lines.findIndex((line) => pattern.test(line));
  if (start === -1 || start > maxHeader) return undefined;
  const numbers: number[] = [];
  const texts: string[] = [];
  let end = start;
  for (const line of lines.slice(start)) {
    const match = pattern.exec(line);
    if (!match) break;
    numbers.push(Number(match[1]));
    texts.push(match[2] ?? "");
    end++;
  }
  const increasing = numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
  const notes = lines.slice(0, start).filter((line) => line.trim() !== "");
  const trailer = lines.slice(end).filter((line) => line.trim() !== "");
  // One file is most of the text; several numbered snippets (search results) are not a file.
  const mostly = numbers.length >= 2 * (notes.length + trailer.length);
  if (numbers.length < 2 || !increasing || !mostly) return undefined;
  return { path, numbers, texts, notes, trailer };
}

/** The path a call's input names, under the keys read tools use. */
const inputPathOf = (call: ToolCall): string | undefined =>
  inputString(call, "filePath") ?? inputString(call, "file_path") ?? inputString(call, "path");

function parseRead(output: string, inputPath: string | undefined): ReadView | undefined {
  const lines = splitLines(output);
  if (!/^<(path|file|content)>/.test(lines[0] ?? "")) return parseNumbered(lines, inputPath ?? "(path not shown)", CAT_NUMBERED, 1);
  const path = /^<path>(.*)<\/path>$/.exec(lines[0] ?? "")?.[1] ?? inputPath ?? "(path not shown)";
  if (lines.some((line) => line === "<type>directory</type>")) {
    const listing = between(lines, /^<entries>/, /^<\/entries>$/);
    return listing && { path, numbers: [], texts: [], notes: [], trailer: listing.after, entries: listing.body };
  }
  const content = between(lines, CONTENT_OPEN, CONTENT_CLOSE);
  if (!content) return undefined;
  const numbers: number[] = [];
  const texts: string[] = [];
  const notes: string[] = [];
  for (const line of content.body) {
    const match = NUMBERED.exec(line);
    if (match) {
      numbers.push(Number(match[1]));
      texts.push(match[2] ?? "");
    } else if (/^\(.*\)$/.test(line.trim())) notes.push(line.trim());
  }
  return numbers.length === 0 ? undefined : { path, numbers, texts, notes, trailer: content.after };
}

/**
 * The outline, or why there is none; a parser that fails to load must not cost the whole observation.
 * The wording is fixed (no error text), so the cached observation does not depend on how it failed.
 */
async function safeOutline(path: string, source: string): Promise<Outline> {
  try {
    return await outlineOf(languageOf(path), source);
  } catch {
    return { source: "none (parser unavailable)", entries: [] };
  }
}

/** The tool's "(End of file - total N lines)" repeats the header's range, so only other notes are kept. */
const isEndOfFile = (line: string): boolean => /^\(End of file/.test(line);

async function fileSections(view: ReadView): Promise<Section[]> {
  const language = languageOf(view.path);
  const outline = await safeOutline(view.path, view.texts.join("\n"));
  const first = view.numbers[0] ?? 1;
  const last = view.numbers[view.numbers.length - 1] ?? first;
  const total = view.notes.map((n) => /total (\d+) lines|of (\d+)\./.exec(n)).find(Boolean);
  const of = total ? ` of ${total[1] ?? total[2]}` : "";
  // The path is named only when the call's input does not already say it.
  const what = `${language.label}, lines ${first}-${last}${of}`;
  const header = `[read] ${view.path === view.inputPath ? what : `${view.path} (${what})`}`;
  const sections: Section[] = [];
  if (outline.entries.length > 0) {
    sections.push(note(`${header}: the text is left out; outline (${outline.source}; numbers are file lines):`));
    const room = budgetFor(view.texts.reduce((n, text) => n + text.length + 1, 0), OUTLINE);
    sections.push(note(...formatOutline(outline.entries, (row) => view.numbers[row] ?? first + row, room)));
  } else {
    const shown = Math.min(FIRST_LINES, view.texts.length);
    sections.push(note(`${header}: no outline (${outline.source}); the first ${shown} lines, the rest left out:`));
    sections.push(excerpt(view.texts.slice(0, shown).map((text, i) => clip(`${view.numbers[i]}: ${text}`, LINE_WIDTH))));
  }
  const notes = view.notes.filter((line) => !isEndOfFile(line));
  if (notes.length > 0) sections.push(excerpt(notes));
  return sections;
}

export async function compressRead(call: ToolCall): Promise<Observation | undefined> {
  if (isShort(call.output)) return whole(call, "read");
  const inputPath = inputPathOf(call);
  const parsed = parseRead(call.output, inputPath);
  if (!parsed) return undefined;
  return readObservation(call, { ...parsed, inputPath });
}

async function readObservation(call: ToolCall, view: ReadView): Promise<Observation> {
  const sections: Section[] = view.entries
    ? [note(sizeLine("read", "directory listing grouped")), ...pathSections(view.entries)]
    : await fileSections(view);
  if (view.trailer.length > 0) sections.push(...headTailSections(view.trailer, TRAILER_LINES, 0, LINE_WIDTH));
  return observe(call, "read", sections, DEFAULT_NAMES);
}

/**
 * Text that is a numbered file after at most a few header lines (what code-search tools return for a
 * file) gets the read observation; undefined for any other text.
 */
export async function compressNumberedFile(call: ToolCall): Promise<Observation | undefined> {
  if (isShort(call.output)) return undefined;
  const inputPath = inputPathOf(call);
  const lines = splitLines(call.output);
  const view = parseNumbered(lines, inputPath ?? "(path not shown)", NUMBERED_TEXT, 3);
  return view && readObservation(call, { ...view, inputPath });
}
