/**
 * Reads sessions straight from opencode's own storage, `$XDG_DATA_HOME/opencode/opencode.db` (opencode
 * 1.18.33: tables `session`, `message` and `part`, each row's JSON in `data`), read-only: opencode may be
 * running and writing it. Each session becomes the `opencode export` document the file importer reads.
 *
 * @module
 */
import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isRecord, type JsonRecord, type Session } from "./model.ts";
import { importOpencode } from "./opencode.ts";

/** opencode's storage cannot be read; the message names the problem and the fix. */
export class OpencodeStorageError extends Error {
  override readonly name = "OpencodeStorageError";
}

export function defaultOpencodeDb(env: Record<string, string | undefined> = process.env): string {
  const dataHome = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(dataHome, "opencode", "opencode.db");
}

const REQUIRED_TABLES = ["session", "message", "part"] as const;

/** Opens opencode's storage read-only and checks it has the tables this reader knows. */
export function openOpencodeDb(path: string): Database {
  if (!existsSync(path)) {
    throw new OpencodeStorageError(`no opencode storage at ${path}: run opencode once, or pass --opencode-db with the path of its opencode.db`);
  }
  let db: Database;
  try {
    db = new Database(path, { readonly: true, strict: true });
    db.run("PRAGMA busy_timeout = 5000");
    const tables = new Set(db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name));
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      db.close();
      throw new OpencodeStorageError(
        `${path} is not opencode's storage (no table ${missing.join(", ")}): pass --opencode-db with the opencode.db of opencode 1.18`,
      );
    }
    return db;
  } catch (error) {
    if (error instanceof OpencodeStorageError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new OpencodeStorageError(`cannot read opencode's storage ${path} (${reason}): check the file and its permissions, or pass --opencode-db`);
  }
}

export interface StoredSession {
  readonly id: string;
  readonly title: string;
  readonly slug: string;
  readonly parentID?: string;
  readonly created: number;
  readonly updated: number;
}

/** Sessions newest first; `since` (ms) keeps those updated since then, `sessionID` one session. */
export function listStoredSessions(db: Database, filter: { since?: number; sessionID?: string } = {}): StoredSession[] {
  return db
    .query<{ id: string; title: string; slug: string; parent_id: string | null; time_created: number; time_updated: number }, [number, string | null, string | null]>(
      `SELECT id, title, slug, parent_id, time_created, time_updated FROM session
       WHERE time_updated >= ? AND (? IS NULL OR id = ?) ORDER BY time_updated DESC`,
    )
    .all(filter.since ?? 0, filter.sessionID ?? null, filter.sessionID ?? null)
    .map((r) => ({
      id: r.id,
      title: r.title,
      slug: r.slug,
      created: r.time_created,
      updated: r.time_updated,
      ...(r.parent_id === null ? {} : { parentID: r.parent_id }),
    }));
}

const parseData = (text: string): JsonRecord => {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
};

interface StoredMessage {
  readonly info: JsonRecord;
  readonly parts: JsonRecord[];
}

/** A session's messages with their parts, in order, as `opencode export` gives them. */
function storedMessages(db: Database, sessionID: string): StoredMessage[] {
  const messages = db
    .query<{ id: string; data: string }, [string]>("SELECT id, data FROM message WHERE session_id = ? ORDER BY time_created, id")
    .all(sessionID);
  const parts = db
    .query<{ id: string; message_id: string; data: string }, [string]>("SELECT id, message_id, data FROM part WHERE session_id = ? ORDER BY id")
    .all(sessionID);
  const byMessage = new Map<string, JsonRecord[]>();
  for (const p of parts) {
    const list = byMessage.get(p.message_id) ?? [];
    list.push({ ...parseData(p.data), id: p.id, messageID: p.message_id, sessionID });
    byMessage.set(p.message_id, list);
  }
  return messages.map((m) => ({ info: { ...parseData(m.data), id: m.id, sessionID }, parts: byMessage.get(m.id) ?? [] }));
}

/** One stored session, read as the replay's Session (named by its slug, as `opencode export` would be). */
export function readStoredSession(db: Database, session: StoredSession, dbPath: string): Session {
  const doc = { info: { id: session.id, slug: session.slug, title: session.title }, messages: storedMessages(db, session.id) };
  return importOpencode(doc, `${dbPath}#${session.id}`);
}

/** What opencode itself recorded for a session's model requests (assistant messages): tokens and cost. */
export interface ReportedUsage {
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  /** opencode's own cost figure (models.dev prices; 0 for a provider without prices). */
  readonly costUSD: number;
  /** "provider/model" of the session's requests, most used first. */
  readonly models: readonly string[];
}

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);

export function reportedUsage(db: Database, sessionID: string): ReportedUsage {
  let requests = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let cacheReadTokens = 0;
  let cacheWriteTokens = 0;
  let costUSD = 0;
  const models = new Map<string, number>();
  const rows = db.query<{ data: string }, [string]>("SELECT data FROM message WHERE session_id = ? ORDER BY time_created, id").all(sessionID);
  for (const info of rows.map((r) => parseData(r.data))) {
    if (info.role !== "assistant" || !isRecord(info.tokens)) continue;
    const tokens = info.tokens;
    const cache = isRecord(tokens.cache) ? tokens.cache : {};
    if (num(tokens.input) + num(tokens.output) === 0) continue; // aborted before any usage came back
    requests++;
    inputTokens += num(tokens.input);
    outputTokens += num(tokens.output);
    cacheReadTokens += num(cache.read);
    cacheWriteTokens += num(cache.write);
    costUSD += num(info.cost);
    const model = `${String(info.providerID ?? "")}/${String(info.modelID ?? "")}`;
    models.set(model, (models.get(model) ?? 0) + 1);
  }
  return {
    requests,
    inputTokens,
    outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    costUSD,
    models: [...models].sort((a, b) => b[1] - a[1]).map(([m]) => m),
  };
}
