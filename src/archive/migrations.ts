/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Append, never edit:
 * an archive written by an older version must open with a newer one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tool_calls (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    message_id TEXT,
    call_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    input TEXT NOT NULL,
    -- the full original: when opencode truncated the output and saved the rest to a file, that file's text
    output TEXT NOT NULL,
    -- what opencode kept and the model saw, stored only when it differs from output
    shown_output TEXT,
    full_output_path TEXT,
    metadata TEXT,
    -- a cheap estimate when archived, replaced by the tokenizer's count in the background
    tokens INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (session_id, call_id)
  );
  CREATE VIRTUAL TABLE tool_calls_fts USING fts5(
    tool, output, content = 'tool_calls', content_rowid = 'id', tokenize = "unicode61 tokenchars '_'"
  );
  CREATE TRIGGER tool_calls_ai AFTER INSERT ON tool_calls BEGIN
    INSERT INTO tool_calls_fts (rowid, tool, output) VALUES (new.id, new.tool, new.output);
  END;
  CREATE TRIGGER tool_calls_ad AFTER DELETE ON tool_calls BEGIN
    INSERT INTO tool_calls_fts (tool_calls_fts, rowid, tool, output) VALUES ('delete', old.id, old.tool, old.output);
  END;
  CREATE TRIGGER tool_calls_au AFTER UPDATE OF tool, output ON tool_calls BEGIN
    INSERT INTO tool_calls_fts (tool_calls_fts, rowid, tool, output) VALUES ('delete', old.id, old.tool, old.output);
    INSERT INTO tool_calls_fts (rowid, tool, output) VALUES (new.id, new.tool, new.output);
  END;
  CREATE TABLE observations (
    call_row INTEGER NOT NULL REFERENCES tool_calls (id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (call_row, method, version)
  );
  CREATE TABLE frontiers (
    session_id TEXT PRIMARY KEY,
    batch INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE renders (
    session_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    text TEXT NOT NULL,
    batch INTEGER NOT NULL,
    PRIMARY KEY (session_id, call_id)
  );
  `,
  // 2: what a compressed call's input is sent as (JSON), when its bulky fields have stand-ins; NULL: as is.
  `
  ALTER TABLE renders ADD COLUMN input TEXT;
  `,
  // 3: full-text indexing leaves the tool hook. New rows wait with indexed = 0 until the idle job (or a
  // search) indexes them; the FTS delete for a changed or removed row runs only if the row was indexed.
  `
  ALTER TABLE tool_calls ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;
  CREATE INDEX tool_calls_unindexed ON tool_calls (id) WHERE indexed = 0;
  DROP TRIGGER tool_calls_ai;
  DROP TRIGGER tool_calls_ad;
  DROP TRIGGER tool_calls_au;
  CREATE TRIGGER tool_calls_ad AFTER DELETE ON tool_calls WHEN old.indexed = 1 BEGIN
    INSERT INTO tool_calls_fts (tool_calls_fts, rowid, tool, output) VALUES ('delete', old.id, old.tool, old.output);
  END;
  CREATE TRIGGER tool_calls_au AFTER UPDATE OF tool, output ON tool_calls WHEN old.indexed = 1 BEGIN
    INSERT INTO tool_calls_fts (tool_calls_fts, rowid, tool, output) VALUES ('delete', old.id, old.tool, old.output);
  END;
  `,
  // 4: one row per LLM step, from the step-finish hook a patched opencode adds:
  // opencode's token counts (cache read and write included) and the server's applied context edits (JSON).
  `
  CREATE TABLE steps (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    agent TEXT,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    applied_edits TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX steps_session ON steps (session_id);
  `,
  // 5: LLM observations. The observation rows themselves go to `observations` with method 'llm'
  // and the prompt version as version. The job queue: one job per call and prompt version; `not_before` is
  // the retry time of a pending job and the lease expiry of a running one (a job whose process died is
  // taken up again once its lease runs out). Every model call that reported usage leaves a spend row.
  `
  CREATE TABLE compression_jobs (
    id INTEGER PRIMARY KEY,
    call_row INTEGER NOT NULL REFERENCES tool_calls (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    session_model TEXT NOT NULL,
    prompt_version INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    not_before INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (session_id, call_id, prompt_version)
  );
  CREATE INDEX compression_jobs_due ON compression_jobs (not_before) WHERE state IN ('pending', 'running');
  CREATE TABLE compression_spend (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    job_id INTEGER,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    -- NULL: no price known for the model
    cost_usd REAL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX compression_spend_session ON compression_spend (session_id);
  CREATE INDEX compression_spend_time ON compression_spend (created_at);
  -- a batch that swapped LLM observations in for fast renders already sent: what it made the cache rewrite
  CREATE TABLE compression_swaps (
    session_id TEXT NOT NULL,
    batch INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    saved_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, batch)
  );
  `,
  // 6: the session ledger (JSON, see src/ledger/schema.ts) and the fold frontier per session: which messages
  // are folded out of what is sent, the digest sent in their place, and the window it was measured for.
  `
  CREATE TABLE ledgers (
    session_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    calls INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE folds (
    session_id TEXT PRIMARY KEY,
    anchor TEXT NOT NULL,
    through TEXT,
    folds INTEGER NOT NULL,
    digest TEXT NOT NULL,
    digest_tokens INTEGER NOT NULL,
    usable INTEGER,
    overhead INTEGER,
    updated_at INTEGER NOT NULL
  );
  `,
  // 7: one row per request the transform shaped, so the
  // stats and /endless can say what Endless kept out of the requests actually sent (not only what one
  // request carries now). Tool-output tokens only: what each request sent, and what stock opencode would
  // have sent. At a batch, what it freed and the tool tokens from the first changed call on (the cache rewrite).
  `
  CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    tool_tokens_sent INTEGER NOT NULL,
    tool_tokens_raw INTEGER NOT NULL,
    freed_tokens INTEGER NOT NULL,
    rewrite_tokens INTEGER NOT NULL
  );
  CREATE INDEX requests_session ON requests (session_id, at);
  `,
];
