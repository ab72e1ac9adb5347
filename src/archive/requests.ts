import type { Database } from "bun:sqlite";

/** What one shaped request carried, in tool-output tokens, as the transform saw it. */
export interface RequestRecord {
  readonly sessionID: string;
  readonly batch: number;
  /** Tool-output tokens as sent, and as stock opencode would have sent them (every output raw). */
  readonly toolTokensSent: number;
  readonly toolTokensRaw: number;
  /** At a batch: tokens it freed, and the sent tool tokens from the first changed call on (written to the cache again). */
  readonly freedTokens: number;
  readonly rewriteTokens: number;
}

export function logRequest(db: Database, record: RequestRecord, at: number = Date.now()): void {
  db.query(
    `INSERT INTO requests (session_id, at, batch, tool_tokens_sent, tool_tokens_raw, freed_tokens, rewrite_tokens)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(record.sessionID, at, record.batch, record.toolTokensSent, record.toolTokensRaw, record.freedTokens, record.rewriteTokens);
}

/** The requests the memory archive logged while the file was out, copied into the file as they were. */
export function moveRequests(from: Database, to: Database): void {
  for (const r of sessionRequests(from)) logRequest(to, r, r.at);
}

export interface RequestTotals {
  readonly requests: number;
  readonly toolTokensSent: number;
  readonly toolTokensRaw: number;
  /** Tokens Endless kept out of the requests sent: raw minus sent, summed over requests. */
  readonly savedTokens: number;
  readonly rewriteTokens: number;
}

/** Totals over the logged requests of one session, or of every session. */
export function requestTotals(db: Database, sessionID?: string): RequestTotals {
  const row = db
    .query<{ n: number; sent: number | null; raw: number | null; rewrite: number | null }, [string | null, string | null]>(
      `SELECT count(*) AS n, sum(tool_tokens_sent) AS sent, sum(tool_tokens_raw) AS raw, sum(rewrite_tokens) AS rewrite
       FROM requests WHERE (? IS NULL OR session_id = ?)`,
    )
    .get(sessionID ?? null, sessionID ?? null);
  const sent = row?.sent ?? 0;
  const raw = row?.raw ?? 0;
  return { requests: row?.n ?? 0, toolTokensSent: sent, toolTokensRaw: raw, savedTokens: raw - sent, rewriteTokens: row?.rewrite ?? 0 };
}

/** Per request of a session (or of every session), oldest first: what the report charts. */
export function sessionRequests(db: Database, sessionID?: string): (RequestRecord & { at: number })[] {
  return db
    .query<
      { session_id: string; at: number; batch: number; sent: number; raw: number; freed: number; rewrite: number },
      [string | null, string | null]
    >(
      `SELECT session_id, at, batch, tool_tokens_sent AS sent, tool_tokens_raw AS raw, freed_tokens AS freed, rewrite_tokens AS rewrite
       FROM requests WHERE (? IS NULL OR session_id = ?) ORDER BY at, id`,
    )
    .all(sessionID ?? null, sessionID ?? null)
    .map((r) => ({ sessionID: r.session_id, at: r.at, batch: r.batch, toolTokensSent: r.sent, toolTokensRaw: r.raw, freedTokens: r.freed, rewriteTokens: r.rewrite }));
}
