import type { Database } from "bun:sqlite";
import { isArchiveFault } from "./link.ts";
import { indexPendingOutputs } from "./tool-calls.ts";

export interface SearchHit {
  readonly callID: string;
  readonly tool: string;
  readonly snippet: string;
  readonly rank: number;
}

/** Turns free text into an FTS5 query: each word a quoted phrase of its tokens, all words required. */
export function toFtsQuery(query: string): string | undefined {
  const phrases = query
    .split(/\s+/)
    .map((word) => word.match(/[\p{L}\p{N}_]+/gu)?.join(" "))
    .filter((phrase): phrase is string => phrase !== undefined && phrase.length > 0)
    .map((phrase) => `"${phrase}"`);
  return phrases.length > 0 ? phrases.join(" AND ") : undefined;
}

/** Characters of context on each side of an exact match in its snippet. */
const AROUND = 60;
/** FTS hits considered for each listed one, so exact matches further down the word ranking can move up. */
const FTS_POOL = 5;

interface FtsRow {
  readonly id: number;
  readonly call_id: string;
  readonly tool: string;
  readonly snippet: string;
  readonly rank: number;
}

interface ExactRow {
  readonly id: number;
  readonly call_id: string;
  readonly tool: string;
  readonly before: string;
  readonly found: string;
  readonly after: string;
  /** 1 when the output holds the text in the very case it was given. */
  readonly cased: number;
}

function ftsRows(db: Database, sessionID: string, match: string, limit: number): FtsRow[] {
  return db
    .query<FtsRow, [string, string, number]>(
      `SELECT c.id, c.call_id, c.tool, snippet(tool_calls_fts, 1, '»', '«', ' … ', 24) AS snippet, bm25(tool_calls_fts) AS rank
       FROM tool_calls_fts JOIN tool_calls c ON c.id = tool_calls_fts.rowid
       WHERE tool_calls_fts MATCH ? AND c.session_id = ?
       ORDER BY rank LIMIT ?`,
    )
    .all(match, sessionID, limit);
}

/**
 * The session's calls whose output holds `text` as it is written (ASCII letters in any case), oldest first,
 * with the text around the first occurrence. Unlike the word index, this finds numbers and names inside
 * longer tokens: `1.4.0` in `v1.4.0`, `package.json` in `core/package.json`.
 */
function exactRows(db: Database, sessionID: string, text: string): ExactRow[] {
  return db
    .query<ExactRow, [number, number, number, number, string, string, string]>(
      `SELECT id, call_id, tool,
         substr(output, max(1, pos - ?), min(pos - 1, ?)) AS before,
         substr(output, pos, ?) AS found,
         substr(output, pos + ?, ${AROUND}) AS after,
         instr(output, ?) > 0 AS cased
       FROM (SELECT id, call_id, tool, output, instr(lower(output), lower(?)) AS pos FROM tool_calls WHERE session_id = ? AND typeof(output) = 'text')
       WHERE pos > 0 ORDER BY id`,
    )
    .all(AROUND, AROUND, text.length, text.length, text, text, sessionID);
}

const oneLine = (text: string): string => text.replace(/\s+/g, " ");

/**
 * This session's archived outputs that match a query, best first. Outputs that hold the query as written
 * come first (in its case before other cases; then in the order of the word ranking, then oldest first),
 * then outputs that only have all of its words. The oldest output holding the query as written, where the
 * agent first saw it, is always listed.
 */
export function searchToolCalls(
  db: Database,
  input: { sessionID: string; query: string; limit: number },
): SearchHit[] {
  if (input.query.trim() === "" || input.limit <= 0) return [];
  // A query without words (`=>`, `!=`) can still be found as written; only the word search needs words.
  const match = toFtsQuery(input.query);
  try {
    indexPendingOutputs(db);
  } catch (error) {
    // A full or read-only archive cannot index: the exact-text search below still covers unindexed outputs.
    if (!isArchiveFault(error)) throw error;
  }
  const words = match === undefined ? [] : ftsRows(db, input.sessionID, match, input.limit * FTS_POOL);
  const text = input.query.trim();
  const exact = exactRows(db, input.sessionID, text);
  const exactIds = new Set(exact.map((r) => r.id));
  const wordRank = new Map(words.map((r, i) => [r.id, i]));
  const byWords = (r: ExactRow) => wordRank.get(r.id) ?? words.length;
  const ranked: SearchHit[] = [...exact]
    .sort((a, b) => b.cased - a.cased || byWords(a) - byWords(b) || a.id - b.id)
    .map((r, i) => ({
      callID: r.call_id,
      tool: r.tool,
      snippet: oneLine(`${r.before.length === AROUND ? "… " : ""}${r.before}»${r.found}«${r.after}${r.after.length === AROUND ? " …" : ""}`),
      rank: i,
    }));
  const hits = [...ranked, ...words.filter((r) => !exactIds.has(r.id)).map((r) => ({ callID: r.call_id, tool: r.tool, snippet: r.snippet, rank: r.rank }))];
  const listed = hits.slice(0, input.limit);
  const first = exact.find((r) => r.cased) ?? exact[0];
  if (first !== undefined && !listed.some((h) => h.callID === first.call_id)) {
    listed[listed.length - 1] = ranked.find((h) => h.callID === first.call_id)!;
  }
  return listed;
}
