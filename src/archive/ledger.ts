import type { Database } from "bun:sqlite";
import type { FoldState } from "../context/fold.ts";
import { type ArchiveAccess, readOn, writeOn } from "./access.ts";
import { type LedgerCall, recordCall, recordRequest } from "../ledger/extract.ts";
import { emptyLedger, Ledger } from "../ledger/schema.ts";

/**
 * The session ledgers, kept in memory and persisted in the archive. Recording is cheap (in memory, from
 * the tool hook and the request transform); `persist` writes the sessions that changed (idle work, and
 * before a fold sends a digest, so what was sent can be rebuilt after a restart).
 */
export interface LedgerStore {
  /** The session's ledger (loaded from the archive the first time). Callers must not change it directly. */
  get(sessionID: string): Ledger;
  /** True when the call is in the ledger. */
  has(sessionID: string, callID: string): boolean;
  recordCall(sessionID: string, call: LedgerCall): void;
  recordRequest(sessionID: string, id: string, text: string): void;
  /** Writes every changed ledger (or only this session's) to the archive. */
  persist(sessionID?: string): void;
}

interface Held {
  readonly ledger: Ledger;
  readonly ids: Set<string>;
  dirty: boolean;
}

/** The session's stored ledger; undefined when it has none. */
function findLedger(db: Database, sessionID: string): Ledger | undefined {
  const row = db.query<{ state: string }, [string]>("SELECT state FROM ledgers WHERE session_id = ?").get(sessionID);
  if (row === null) return undefined;
  const parsed = Ledger.safeParse(JSON.parse(row.state));
  // A row another version wrote in a shape this one does not read starts over (the archive keeps the calls).
  return parsed.success ? parsed.data : emptyLedger();
}

export function loadLedger(db: Database, sessionID: string): Ledger {
  return findLedger(db, sessionID) ?? emptyLedger();
}

export function saveLedger(db: Database, sessionID: string, ledger: Ledger): void {
  db.query(
    `INSERT INTO ledgers (session_id, state, calls, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET state = excluded.state, calls = excluded.calls, updated_at = excluded.updated_at`,
  ).run(sessionID, JSON.stringify(ledger), ledger.calls.length, Date.now());
}

/** Ledgers and fold records the memory archive took while the file was out, written into the file (the newer copy wins). */
export function moveLedgers(from: Database, to: Database): void {
  for (const { session_id } of from.query<{ session_id: string }, []>("SELECT session_id FROM ledgers").all()) {
    saveLedger(to, session_id, loadLedger(from, session_id));
  }
  for (const { session_id } of from.query<{ session_id: string }, []>("SELECT session_id FROM folds").all()) {
    saveFold(to, session_id, loadFold(from, session_id));
  }
}

export function createLedgerStore(db: ArchiveAccess): LedgerStore {
  const held = new Map<string, Held>();
  const hold = (sessionID: string): Held => {
    let entry = held.get(sessionID);
    if (entry === undefined) {
      const ledger = readOn(db, (d) => findLedger(d, sessionID)) ?? emptyLedger();
      entry = { ledger, ids: new Set(ledger.calls.map((c) => c.id)), dirty: false };
      held.set(sessionID, entry);
    }
    return entry;
  };
  const write = (sessionID: string, entry: Held) => {
    if (!entry.dirty) return;
    writeOn(db, (d) => saveLedger(d, sessionID, entry.ledger));
    entry.dirty = false;
  };
  return {
    get: (sessionID) => hold(sessionID).ledger,
    has: (sessionID, callID) => hold(sessionID).ids.has(callID),
    recordCall(sessionID, call) {
      const entry = hold(sessionID);
      if (entry.ids.has(call.callID)) return;
      recordCall(entry.ledger, call);
      entry.ids.add(call.callID);
      entry.dirty = true;
    },
    recordRequest(sessionID, id, text) {
      const entry = hold(sessionID);
      const before = entry.ledger.requests.length;
      recordRequest(entry.ledger, id, text);
      if (entry.ledger.requests.length !== before) entry.dirty = true;
    },
    persist(sessionID) {
      if (sessionID !== undefined) {
        const entry = held.get(sessionID);
        if (entry) write(sessionID, entry);
        return;
      }
      for (const [id, entry] of held) write(id, entry);
    },
  };
}

/** What the archive keeps of a session's folding: the fold state, and the window facts it was made with. */
export interface FoldRecord {
  readonly state: FoldState | undefined;
  /** The usable window (tokens) last learned for the session's model. */
  readonly usable: number | undefined;
  /** Tokens the request carries beyond its messages (system prompt, tool definitions), as last measured. */
  readonly overhead: number | undefined;
}

interface FoldRow {
  anchor: string;
  through: string | null;
  folds: number;
  digest: string;
  digest_tokens: number;
  usable: number | null;
  overhead: number | null;
}

/** The session's fold record; undefined when it has none. */
export function findFold(db: Database, sessionID: string): FoldRecord | undefined {
  const row = db.query<FoldRow, [string]>("SELECT * FROM folds WHERE session_id = ?").get(sessionID);
  if (row === null) return undefined;
  const state: FoldState | undefined =
    row.anchor === "" ? undefined : { anchor: row.anchor, ...(row.through === null ? {} : { through: row.through }), folds: row.folds, digest: row.digest, digestTokens: row.digest_tokens };
  return { state, usable: row.usable ?? undefined, overhead: row.overhead ?? undefined };
}

export const NO_FOLD: FoldRecord = { state: undefined, usable: undefined, overhead: undefined };

export function loadFold(db: Database, sessionID: string): FoldRecord {
  return findFold(db, sessionID) ?? NO_FOLD;
}

export function saveFold(db: Database, sessionID: string, record: FoldRecord): void {
  const s = record.state;
  db.query(
    `INSERT INTO folds (session_id, anchor, through, folds, digest, digest_tokens, usable, overhead, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET anchor = excluded.anchor, through = excluded.through, folds = excluded.folds,
       digest = excluded.digest, digest_tokens = excluded.digest_tokens, usable = excluded.usable,
       overhead = excluded.overhead, updated_at = excluded.updated_at`,
  ).run(sessionID, s?.anchor ?? "", s?.through ?? null, s?.folds ?? 0, s?.digest ?? "", s?.digestTokens ?? 0, record.usable ?? null, record.overhead ?? null, Date.now());
}
