import { Database } from "bun:sqlite";
import { MIGRATIONS } from "../../src/archive/migrations.ts";

/** An archive file as a newer opencode-endless would leave it: a schema version past the migrations this code knows. */
export function writeNewerArchive(path: string): void {
  const db = new Database(path);
  db.run(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
  db.close();
}
