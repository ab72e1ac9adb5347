import type { Database } from "bun:sqlite";

export interface ArchivedCall {
  readonly sessionID: string;
  readonly messageID?: string;
  readonly callID: string;
  readonly tool: string;
  readonly input: unknown;
  /** The full original output. */
  readonly output: string;
  /** What opencode kept, when it cut the output short. */
  readonly shownOutput?: string;
  readonly fullOutputPath?: string;
  readonly metadata?: unknown;
  readonly tokens: number;
}

export interface StoredCall extends ArchivedCall {
  readonly row: number;
  readonly createdAt: number;
}

interface CallRow {
  id: number;
  session_id: string;
  message_id: string | null;
  call_id: string;
  tool: string;
  input: string;
  output: string;
  shown_output: string | null;
  full_output_path: string | null;
  metadata: string | null;
  tokens: number;
  created_at: number;
}

const parseJson = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

function fromRow(row: CallRow): StoredCall {
  return {
    row: row.id,
    sessionID: row.session_id,
    messageID: row.message_id ?? undefined,
    callID: row.call_id,
    tool: row.tool,
    input: parseJson(row.input),
    output: row.output,
    shownOutput: row.shown_output ?? undefined,
    fullOutputPath: row.full_output_path ?? undefined,
    metadata: parseJson(row.metadata),
    tokens: row.tokens,
    createdAt: row.created_at,
  };
}

/**
 * Stores one tool call. `replace` (from the tool hook, which sees the full output) overwrites an earlier
 * row for the same call; `keep` (a late archive from the request transform) never does.
 */
export function archiveToolCall(db: Database, call: ArchivedCall, mode: "replace" | "keep"): void {
  const conflict =
    mode === "replace"
      ? `ON CONFLICT (session_id, call_id) DO UPDATE SET message_id = excluded.message_id, tool = excluded.tool,
           input = excluded.input, output = excluded.output, shown_output = excluded.shown_output,
           full_output_path = excluded.full_output_path, metadata = excluded.metadata, tokens = excluded.tokens,
           bytes = excluded.bytes`
      : "ON CONFLICT (session_id, call_id) DO NOTHING";
  db.query(
    `INSERT INTO tool_calls (session_id, message_id, call_id, tool, input, output, shown_output, full_output_path,
       metadata, tokens, bytes, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${conflict}`,
  ).run(
    call.sessionID,
    call.messageID ?? null,
    call.callID,
    call.tool,
    JSON.stringify(call.input ?? {}),
    call.output,
    call.shownOutput !== undefined && call.shownOutput !== call.output ? call.shownOutput : null,
    call.fullOutputPath ?? null,
    call.metadata === undefined ? null : JSON.stringify(call.metadata),
    call.tokens,
    Buffer.byteLength(call.output, "utf8"),
    Date.now(),
  );
}

export function setTokenCount(db: Database, row: number, tokens: number): void {
  db.query("UPDATE tool_calls SET tokens = ? WHERE id = ?").run(tokens, row);
}

/** The call in this session; tool call ids are globally unique, so other sessions (subagents) are a fallback. */
export function findToolCall(db: Database, sessionID: string, callID: string): StoredCall | undefined {
  const own = db
    .query<CallRow, [string, string]>("SELECT * FROM tool_calls WHERE session_id = ? AND call_id = ?")
    .get(sessionID, callID);
  if (own) return fromRow(own);
  const any = db
    .query<CallRow, [string]>("SELECT * FROM tool_calls WHERE call_id = ? ORDER BY id DESC LIMIT 1")
    .get(callID);
  return any ? fromRow(any) : undefined;
}

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

export function searchToolCalls(
  db: Database,
  input: { sessionID: string; query: string; limit: number },
): SearchHit[] {
  const match = toFtsQuery(input.query);
  if (match === undefined) return [];
  return db
    .query<{ call_id: string; tool: string; snippet: string; rank: number }, [string, string, number]>(
      `SELECT c.call_id, c.tool, snippet(tool_calls_fts, 1, '»', '«', ' … ', 24) AS snippet, bm25(tool_calls_fts) AS rank
       FROM tool_calls_fts JOIN tool_calls c ON c.id = tool_calls_fts.rowid
       WHERE tool_calls_fts MATCH ? AND c.session_id = ?
       ORDER BY rank LIMIT ?`,
    )
    .all(match, input.sessionID, input.limit)
    .map((r) => ({ callID: r.call_id, tool: r.tool, snippet: r.snippet, rank: r.rank }));
}
