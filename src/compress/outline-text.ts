import { clip } from "./text.ts";

/** One outline row; `row` is the 0-based row in the parsed text, mapped to a file line when printed. */
export interface OutlineEntry {
  readonly depth: number;
  readonly row: number;
  readonly label: string;
  /** A function's parameter list, shown after the label while the outline has room for it. */
  readonly params?: string;
}

export interface Outline {
  /** "tree-sitter" or the text heuristic used. */
  readonly source: string;
  readonly entries: readonly OutlineEntry[];
}

/** Second-level keys are listed only while the whole outline stays this short. */
const MAX_JSON_KEYS = 80;

/** `[text](target)` shown as its text: in a heading the target is mostly an anchor of the page itself. */
const withoutLinkTargets = (line: string): string => line.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");

/** Markdown headings, skipping fenced code blocks (where `#` starts comments, not sections). */
export function markdownHeadings(lines: readonly string[]): OutlineEntry[] {
  const entries: OutlineEntry[] = [];
  let fence: string | undefined;
  lines.forEach((line, row) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker) fence = fence === undefined ? marker : fence === marker ? undefined : fence;
    // Linear on any line: a lazy capture before trailing spaces and #s backtracks cubically on long lines.
    const heading = fence === undefined ? /^(#{1,6})\s+\S/.exec(line) : null;
    if (heading) entries.push({ depth: (heading[1] ?? "#").length - 1, row, label: clip(withoutLinkTargets(line.trim()), 100) });
  });
  return entries;
}

/** Index of the quote closing the string opened at `start` (or the end of its line, for broken input). */
function stringEnd(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") i++;
    else if (ch === '"' || ch === "\n") return ch === "\n" ? i - 1 : i;
  }
  return source.length - 1;
}

/**
 * Keys of the top-level object and, when that fits the outline, of the objects one level down; found by a
 * small scanner so JSONC comments and partial reads still work.
 */
function jsonKeys(source: string): OutlineEntry[] {
  const entries: OutlineEntry[] = [];
  let depth = 0;
  let row = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\n") row++;
    else if (ch === '"') {
      const end = stringEnd(source, i);
      if (depth >= 1 && depth <= 2 && /^\s*:/.test(source.slice(end + 1, end + 40))) {
        entries.push({ depth: depth - 1, row, label: clip(source.slice(i, end + 1), 100) });
      }
      i = end;
    } else if (ch === "/" && source[i + 1] === "/") {
      const newline = source.indexOf("\n", i);
      i = (newline === -1 ? source.length : newline) - 1;
    } else if (ch === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      const stop = close === -1 ? source.length : close + 1;
      row += source.slice(i, stop).split("\n").length - 1;
      i = stop;
    } else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
  }
  return entries.length <= MAX_JSON_KEYS ? entries : entries.filter((entry) => entry.depth === 0);
}

/** Rows matching `pattern` at column 0: YAML top-level keys, TOML tables. */
const columnZero = (lines: readonly string[], pattern: RegExp): OutlineEntry[] =>
  lines.flatMap((line, row) => (pattern.test(line) ? [{ depth: 0, row, label: clip(line.trim(), 100) }] : []));

export function textOutline(label: string, source: string): Outline {
  const lines = source.split("\n");
  switch (label) {
    case "Markdown":
      return { source: "headings", entries: markdownHeadings(lines) };
    case "JSON":
      return { source: "top-level keys", entries: jsonKeys(source) };
    case "YAML":
      return { source: "top-level keys", entries: columnZero(lines, /^[^\s#\-][^:#]*:(\s|$)/) };
    case "TOML":
      return { source: "tables", entries: columnZero(lines, /^\[\[?[^\]]+\]\]?\s*(#.*)?$/) };
    default:
      return { source: "none", entries: [] };
  }
}
