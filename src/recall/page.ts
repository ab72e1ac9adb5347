/** At most this much text per recall: under opencode's own 50 KB tool-output cut, so nothing is truncated twice. */
export const MAX_PAGE_BYTES = 40_000;
export const DEFAULT_PAGE_LINES = 1_000;

export interface Page {
  readonly text: string;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly totalLines: number;
  /** Where the next page starts (0-based line offset), when there is more. */
  readonly nextOffset?: number;
}

/**
 * A window of whole lines: `offset` lines skipped, at most `limit` lines and MAX_PAGE_BYTES bytes. Joining
 * all pages in order gives back the original byte for byte. A single line longer than the byte bound is
 * returned whole rather than split, so a page is never empty.
 */
export function pageLines(text: string, offset: number, limit: number): Page {
  const lines = text.split("\n");
  const start = Math.min(offset, lines.length);
  let end = start;
  let bytes = 0;
  while (end < lines.length && end - start < limit) {
    const size = Buffer.byteLength(lines[end]!, "utf8") + 1;
    if (end > start && bytes + size > MAX_PAGE_BYTES) break;
    bytes += size;
    end++;
  }
  return {
    text: lines.slice(start, end).join("\n") + (end < lines.length ? "\n" : ""),
    firstLine: start + 1,
    lastLine: end,
    totalLines: lines.length,
    nextOffset: end < lines.length ? end : undefined,
  };
}
