import type { Database } from "bun:sqlite";
import type { Observation } from "../compress/types.ts";

/** The deterministic compressor's observation for an archived call, at the given compressor version. */
export function findObservation(db: Database, row: number, version: number): string | undefined {
  return (
    db
      .query<{ text: string }, [number, number]>(
        // LLM observations share the table under their own method and the prompt's version.
        "SELECT text FROM observations WHERE call_row = ? AND version = ? AND method <> 'llm' LIMIT 1",
      )
      .get(row, version)?.text ?? undefined
  );
}

export function saveObservation(db: Database, row: number, observation: Observation, tokens: number): void {
  db.query(
    `INSERT INTO observations (call_row, method, version, text, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (call_row, method, version) DO UPDATE SET text = excluded.text, tokens = excluded.tokens`,
  ).run(row, observation.method, observation.version, observation.text, tokens, Date.now());
}
