/** At most this much text per recall: under opencode's own 50 KB tool-output cut, so nothing is truncated twice. */
export const MAX_PAGE_BYTES = 40_000;
export const DEFAULT_PAGE_LINES = 1_000;
/** opencode cuts a tool output above 2,000 lines; a page plus its header line stays below that. */
export const MAX_PAGE_LINES = 1_900;
/** A longer line comes in pieces of this many characters (at most 40 KB even in 4-byte UTF-8). */
export const LINE_PIECE_CHARS = 10_000;

export interface Page {
  readonly text: string;
  readonly firstLine: number;
  readonly lastLine: number;
  readonly totalLines: number;
  /** Where the next page starts (0-based line offset), when there is more. */
  readonly nextOffset?: number;
}

interface Piece {
  readonly text: string;
  /** Whether a newline follows this piece in the original. */
  readonly newline: boolean;
}

/**
 * The text as pageable lines: a trailing newline ends the last line rather than opening an empty one,
 * and a line longer than LINE_PIECE_CHARS is split into pieces, so no page can exceed the byte bound.
 */
function piecesOf(text: string): Piece[] {
  const lines = text.split("\n");
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines.flatMap((line, i) => {
    const newline = i < lines.length - 1 || text.endsWith("\n");
    if (line.length <= LINE_PIECE_CHARS) return [{ text: line, newline }];
    const count = Math.ceil(line.length / LINE_PIECE_CHARS);
    return Array.from({ length: count }, (_, k) => ({
      text: line.slice(k * LINE_PIECE_CHARS, (k + 1) * LINE_PIECE_CHARS),
      newline: k === count - 1 && newline,
    }));
  });
}

/**
 * A window of lines: `offset` lines skipped, at most `limit` lines and MAX_PAGE_BYTES bytes, never empty
 * while lines remain. Joining all pages in order gives back the original byte for byte.
 */
export function pageLines(text: string, offset: number, limit: number): Page {
  const pieces = piecesOf(text);
  const start = Math.min(offset, pieces.length);
  let end = start;
  let bytes = 0;
  while (end < pieces.length && end - start < Math.min(limit, MAX_PAGE_LINES)) {
    const piece = pieces[end]!;
    const size = Buffer.byteLength(piece.text, "utf8") + (piece.newline ? 1 : 0);
    if (end > start && bytes + size > MAX_PAGE_BYTES) break;
    bytes += size;
    end++;
  }
  return {
    text: pieces.slice(start, end).map((p) => p.text + (p.newline ? "\n" : "")).join(""),
    firstLine: start + 1,
    lastLine: end,
    totalLines: pieces.length,
    nextOffset: end < pieces.length ? end : undefined,
  };
}
