import type { Database } from "bun:sqlite";

/** The relevant-recall blocks decided for a session's user messages, by message id ("" : decided, none). */
export function loadRecallBlocks(db: Database, sessionID: string): Map<string, string> {
  const rows = db.query<{ message_id: string; text: string }, [string]>("SELECT message_id, text FROM recall_blocks WHERE session_id = ?").all(sessionID);
  return new Map(rows.map((r) => [r.message_id, r.text]));
}

/** Keeps the first decision for a message: a block once sent is never replaced. */
export function saveRecallBlock(db: Database, sessionID: string, messageID: string, text: string): void {
  db.query("INSERT INTO recall_blocks (session_id, message_id, text, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING").run(sessionID, messageID, text, Date.now());
}

/** The memory archive's blocks into the file, when it takes writes again (the first decision stands). */
export function moveRecallBlocks(from: Database, to: Database): void {
  const rows = from.query<{ session_id: string; message_id: string; text: string; created_at: number }, []>("SELECT session_id, message_id, text, created_at FROM recall_blocks").all();
  const insert = to.query("INSERT INTO recall_blocks (session_id, message_id, text, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  for (const r of rows) insert.run(r.session_id, r.message_id, r.text, r.created_at);
}
