import type { Database } from "bun:sqlite";
import type { ToolCall } from "../compress/types.ts";
import { asRecord, type JsonRecord } from "../json/record.ts";

/** A tool call as the archive keeps it: `output` is the full original. */
export interface ArchivedCall extends ToolCall {
  readonly sessionID: string;
  readonly messageID?: string;
  /** What opencode kept, when it cut the output short. */
  readonly shownOutput?: string;
  readonly fullOutputPath?: string;
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
  output: string | Uint8Array;
  shown_output: string | null;
  full_output_path: string | null;
  metadata: string | null;
  tokens: number;
  created_at: number;
}

const parseRecord = (text: string): JsonRecord => asRecord(JSON.parse(text));

/**
 * SQLite text is UTF-8, which cannot hold a lone surrogate (an MCP tool's JSON can carry one): such an output
 * is stored as its UTF-16 code units in a BLOB, so the archive gives it back exactly; any other as text.
 */
const storedText = (text: string): string | Uint8Array => (text.isWellFormed() ? text : Buffer.from(text, "utf16le"));
const readText = (stored: string | Uint8Array): string =>
  typeof stored === "string" ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).toString("utf16le");

function fromRow(row: CallRow): StoredCall {
  return {
    row: row.id,
    sessionID: row.session_id,
    messageID: row.message_id ?? undefined,
    callID: row.call_id,
    tool: row.tool,
    input: parseRecord(row.input),
    output: readText(row.output),
    shownOutput: row.shown_output ?? undefined,
    fullOutputPath: row.full_output_path ?? undefined,
    metadata: row.metadata === null ? undefined : parseRecord(row.metadata),
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
           bytes = excluded.bytes, indexed = 0`
      : "ON CONFLICT (session_id, call_id) DO NOTHING";
  db.query(
    `INSERT INTO tool_calls (session_id, message_id, call_id, tool, input, output, shown_output, full_output_path,
       metadata, tokens, bytes, created_at, indexed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ${conflict}`,
  ).run(
    call.sessionID,
    call.messageID ?? null,
    call.callID,
    call.tool,
    JSON.stringify(call.input ?? {}),
    storedText(call.output),
    call.shownOutput !== undefined && call.shownOutput !== call.output ? call.shownOutput : null,
    call.fullOutputPath ?? null,
    call.metadata === undefined ? null : JSON.stringify(call.metadata),
    call.tokens,
    Buffer.byteLength(call.output, "utf8"),
    Date.now(),
  );
}

/**
 * Adds the outputs archived since the last call to the full-text index, in one transaction. The tool hook
 * leaves this to idle time (indexing a large output costs milliseconds); a search runs it first, so
 * results are always complete.
 */
export function indexPendingOutputs(db: Database): number {
  return db.transaction(() => {
    db.run(
      `INSERT INTO tool_calls_fts (rowid, tool, output) SELECT id, tool, output FROM tool_calls WHERE indexed = 0`,
    );
    return db.run("UPDATE tool_calls SET indexed = 1 WHERE indexed = 0").changes;
  })();
}

export function setTokenCount(db: Database, sessionID: string, callID: string, tokens: number): void {
  db.query("UPDATE tool_calls SET tokens = ? WHERE session_id = ? AND call_id = ?").run(tokens, sessionID, callID);
}

/**
 * The call archived for this session. The archive is shared by every project, so an id never reaches into
 * another session: a subagent recalls its own calls in its own session, whose id its tools receive.
 */
export function findToolCall(db: Database, sessionID: string, callID: string): StoredCall | undefined {
  const row = db
    .query<CallRow, [string, string]>("SELECT * FROM tool_calls WHERE session_id = ? AND call_id = ?")
    .get(sessionID, callID);
  return row ? fromRow(row) : undefined;
}

export function hasToolCall(db: Database, sessionID: string, callID: string): boolean {
  return db.query<{ one: number }, [string, string]>("SELECT 1 AS one FROM tool_calls WHERE session_id = ? AND call_id = ?").get(sessionID, callID) !== null;
}

/** Every call archived for this session, oldest first. */
export function sessionToolCalls(db: Database, sessionID: string): StoredCall[] {
  return db.query<CallRow, [string]>("SELECT * FROM tool_calls WHERE session_id = ? ORDER BY id").all(sessionID).map(fromRow);
}

/** The call ids archived for a session. */
export function archivedCallIds(db: Database, sessionID: string): string[] {
  return db.query<{ call_id: string }, [string]>("SELECT call_id FROM tool_calls WHERE session_id = ?").all(sessionID).map((r) => r.call_id);
}

/** The calls the memory archive took while the file was out, archived into the file (never over a row it holds). */
export function moveToolCalls(from: Database, to: Database): void {
  for (const { session_id, call_id } of from.query<{ session_id: string; call_id: string }, []>("SELECT session_id, call_id FROM tool_calls ORDER BY id").all()) {
    archiveToolCall(to, findToolCall(from, session_id, call_id)!, "keep");
  }
}
