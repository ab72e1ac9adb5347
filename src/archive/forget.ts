import type { Database } from "bun:sqlite";

export interface Forgotten {
  readonly toolCalls: number;
}

/**
 * Removes everything archived for a session: tool calls (their search index entries and observations
 * go with them), renders, frontier, step usage, the request log, compression jobs, spend and swaps, ledger and fold state. secure_delete overwrites the freed pages, and the checkpoint
 * carries that into the database file, so the removed outputs do not linger on disk.
 */
export function forgetSession(db: Database, sessionID: string): Forgotten {
  db.run("PRAGMA secure_delete = ON");
  const removed = db.transaction(() => {
    const calls = db.query("DELETE FROM tool_calls WHERE session_id = ?").run(sessionID).changes;
    db.query("DELETE FROM renders WHERE session_id = ?").run(sessionID);
    db.query("DELETE FROM frontiers WHERE session_id = ?").run(sessionID);
    db.query("DELETE FROM steps WHERE session_id = ?").run(sessionID);
    db.query("DELETE FROM requests WHERE session_id = ?").run(sessionID);
    db.query("DELETE FROM compression_spend WHERE session_id = ?").run(sessionID);
    db.query("DELETE FROM compression_swaps WHERE session_id = ?").run(sessionID);
    db.query("DELETE FROM ledgers WHERE session_id = ?").run(sessionID);
    db.query("DELETE FROM folds WHERE session_id = ?").run(sessionID);
    return calls;
  })();
  db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  return { toolCalls: removed };
}
