import { languageOf } from "./grammars.ts";
import { formatOutline, outlineOf, type Outline } from "./outline.ts";
import { pathSections } from "./search.ts";
import { excerpt, headTailSections, inputString, isShort, note, observe, plural, sizeLine, splitLines, whole, type Section } from "./text.ts";
import type { Observation, ToolCall } from "./types.ts";

const FIRST_LINES = 20;

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
}

/** `12: text` (opencode 1.x) or `00012| text` (older versions). */
const NUMBERED = /^(\d+)(?:: |:$|\| ?)(.*)$/;
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

function parseRead(output: string, inputPath: string | undefined): ReadView | undefined {
  const lines = splitLines(output);
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

/** The outline, or why there is none; a parser that fails to load must not cost the whole observation. */
async function safeOutline(path: string, source: string): Promise<Outline> {
  try {
    return await outlineOf(languageOf(path), source);
  } catch (error) {
    return { source: `none (parser failed: ${error instanceof Error ? error.message : String(error)})`, entries: [] };
  }
}

async function fileSections(view: ReadView): Promise<Section[]> {
  const language = languageOf(view.path);
  const outline = await safeOutline(view.path, view.texts.join("\n"));
  const first = view.numbers[0] ?? 1;
  const last = view.numbers[view.numbers.length - 1] ?? first;
  const total = view.notes.map((n) => /total (\d+) lines|of (\d+)\./.exec(n)).find(Boolean);
  const of = total ? ` of ${total[1] ?? total[2]}` : "";
  const sections: Section[] = [note(`${view.path}: ${language.label}, lines ${first}-${last}${of} shown by the tool; their text is left out`)];
  if (outline.entries.length > 0) {
    sections.push(note(`outline (${outline.source}, ${plural(outline.entries.length, "entry", "entries")}; numbers are file lines):`));
    sections.push(note(...formatOutline(outline.entries, (row) => view.numbers[row] ?? first + row)));
  } else {
    const shown = Math.min(FIRST_LINES, view.texts.length);
    sections.push(note(`no outline (${outline.source}); first ${shown} lines:`));
    sections.push(excerpt(view.texts.slice(0, shown).map((text, i) => `${view.numbers[i]}: ${text}`)));
  }
  return sections;
}

export async function compressRead(call: ToolCall): Promise<Observation | undefined> {
  if (isShort(call.output)) return whole(call, "read");
  const view = parseRead(call.output, inputString(call, "filePath"));
  if (!view) return undefined;
  const sections: Section[] = [note(sizeLine("read", call.output, view.entries ? "directory listing grouped" : "outline only"))];
  if (view.entries) sections.push(note(`${view.path}:`), ...pathSections(view.entries));
  else sections.push(...(await fileSections(view)), excerpt(view.notes));
  if (view.trailer.length > 0) sections.push(...headTailSections(view.trailer, 20, 10));
  return observe(call, "read", sections);
}
