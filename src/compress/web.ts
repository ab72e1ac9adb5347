import { formatOutline } from "./outline.ts";
import type { OutlineEntry } from "./outline-text.ts";
import { markdownHeadings } from "./outline-text.ts";
import { clip, excerpt, headOf, inputString, isShort, note, observe, sizeLine, splitLines, whole, type Section } from "./text.ts";
import type { Observation, ToolCall } from "./types.ts";

const PARAGRAPH_LINES = 8;
const ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", "#39": "'" };

const looksLikeHtml = (text: string): boolean => /<(!doctype html|html|head|body)\b/i.test(text.slice(0, 4000));

const stripTags = (html: string): string =>
  html
    .replace(/<[^>]*>/g, " ")
    .replace(/&(\w+|#\d+);/g, (entity, name: string) => ENTITIES[name] ?? entity)
    .replace(/\s+/g, " ")
    .trim();

/** A paragraph of prose, not navigation: long enough, starting with a letter, mostly not link markup. */
function isProse(block: string): boolean {
  const text = block.replace(/\s+/g, " ").trim();
  const linkChars = (text.match(/\]\([^)]*\)/g) ?? []).join("").length;
  return text.length >= 80 && /^["'“(]?[\p{L}\d]/u.test(text) && linkChars < text.length / 2;
}

/** The first prose paragraph that starts after `afterRow`, as its row and lines. */
function firstParagraph(lines: readonly string[], afterRow: number): { row: number; block: string[] } | undefined {
  let start = 0;
  for (let row = 0; row <= lines.length; row++) {
    if (row < lines.length && (lines[row] ?? "").trim() !== "") continue;
    const block = lines.slice(start, row);
    if (start > afterRow && isProse(block.join(" "))) return { row: start, block };
    start = row + 1;
  }
  return undefined;
}

/** Title, headings and first paragraph of markdown or plain text (what webfetch returns by default). */
function markdownSections(lines: readonly string[]): Section[] {
  const titleRow = lines.findIndex((line) => line.trim() !== "");
  const headings = markdownHeadings(lines);
  // Pages converted from HTML open with navigation; prose after the first top-level heading is the content.
  const h1 = headings.find((heading) => heading.depth === 0)?.row ?? titleRow;
  const paragraph = firstParagraph(lines, h1) ?? firstParagraph(lines, titleRow);
  return [
    note(`title: ${clip((lines[titleRow] ?? "").trim(), 200)}`),
    note(`headings (${headings.length}; numbers are output lines):`, ...formatOutline(headings, (row) => row + 1)),
    ...(paragraph
      ? [note(`first paragraph (line ${paragraph.row + 1}):`), excerpt(paragraph.block.slice(0, PARAGRAPH_LINES).map((line) => clip(line, 300)))]
      : [note("no prose paragraph found")]),
  ];
}

/**
 * Regular expressions read at most this much of a page: enough for a title, headings and a first
 * paragraph, and it bounds the scans a page without closing tags would otherwise make quadratic.
 */
const HTML_SCAN_CHARS = 256 * 1024;

/** Outline entries for HTML headings, with the output line each starts on. */
function htmlHeadings(html: string): OutlineEntry[] {
  let row = 0;
  let scanned = 0;
  return [...html.matchAll(/<h([1-6])(?:\s[^>]*)?>([\s\S]*?)<\/h\1>/gi)].map((m) => {
    for (; scanned < m.index; scanned++) if (html.charCodeAt(scanned) === 10) row++;
    const level = Number(m[1]);
    return { depth: level - 1, row, label: `${"#".repeat(level)} ${clip(stripTags(m[2] ?? ""), 100)}` };
  });
}

/** The same for raw HTML (format "html"), read with regular expressions: good enough for a summary. */
function htmlSections(page: string): Section[] {
  const html = headOf(page, HTML_SCAN_CHARS);
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const headings = htmlHeadings(html);
  const paragraph = [...html.matchAll(/<p(?:\s[^>]*)?>([\s\S]*?)<\/p>/gi)].map((m) => stripTags(m[1] ?? "")).find(isProse);
  return [
    note(`title: ${title ? clip(stripTags(title), 200) : "(none)"}`),
    note(`headings (${headings.length}; numbers are output lines):`, ...formatOutline(headings, (row) => row + 1)),
    note(paragraph ? `first paragraph: ${clip(paragraph, 800)}` : "no prose paragraph found"),
  ];
}

export function compressWebfetch(call: ToolCall): Observation {
  if (isShort(call.output)) return whole(call, "webfetch");
  const url = inputString(call, "url") ?? "(url not given)";
  const format = inputString(call, "format") ?? "markdown";
  const html = looksLikeHtml(call.output);
  const header = note(sizeLine("webfetch", "title, headings and first paragraph"), `${url} (${html ? "html" : format})`);
  const body = html ? htmlSections(call.output) : markdownSections(splitLines(call.output));
  return observe(call, "webfetch", [header, ...body]);
}
