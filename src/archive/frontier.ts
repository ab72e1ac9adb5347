import type { Database } from "bun:sqlite";
import type { FrontierState } from "../context/engine.ts";

export function loadFrontier(db: Database, sessionID: string): FrontierState {
  const head = db
    .query<{ batch: number }, [string]>("SELECT batch FROM frontiers WHERE session_id = ?")
    .get(sessionID);
  const rows = db
    .query<{ call_id: string; text: string; input: string | null }, [string]>(
      "SELECT call_id, text, input FROM renders WHERE session_id = ?",
    )
    .all(sessionID);
  return {
    batch: head?.batch ?? 0,
    renders: new Map(rows.map((r) => [r.call_id, r.text])),
    inputs: new Map(rows.flatMap((r) => (r.input === null ? [] : [[r.call_id, r.input] as const]))),
  };
}

/**
 * Persists a moved frontier in one transaction, so a crash leaves either the old batch or the new one.
 * With `previous` (the state the archive already holds), only the calls whose render or input changed are
 * written: a batch late in a long session does not rewrite every compressed call.
 */
export function saveFrontier(db: Database, sessionID: string, state: FrontierState, previous?: FrontierState): void {
  const upsertRender = db.query(
    `INSERT INTO renders (session_id, call_id, text, input, batch) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (session_id, call_id) DO UPDATE SET text = excluded.text, input = excluded.input, batch = excluded.batch
     WHERE renders.text <> excluded.text OR renders.input IS NOT excluded.input`,
  );
  db.transaction(() => {
    db.query(
      `INSERT INTO frontiers (session_id, batch, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET batch = excluded.batch, updated_at = excluded.updated_at`,
    ).run(sessionID, state.batch, Date.now());
    for (const [callID, text] of state.renders) {
      const input = state.inputs.get(callID) ?? null;
      if (previous !== undefined && previous.renders.get(callID) === text && (previous.inputs.get(callID) ?? null) === input) continue;
      upsertRender.run(sessionID, callID, text, input, state.batch);
    }
  })();
}

/** The frontiers the memory archive took while the file was out, saved into the file. */
export function moveFrontiers(from: Database, to: Database): void {
  for (const { session_id } of from.query<{ session_id: string }, []>("SELECT session_id FROM frontiers").all()) {
    saveFrontier(to, session_id, loadFrontier(from, session_id));
  }
}
