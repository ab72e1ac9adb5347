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
  // 5 (issue 11, brief position 8: renumber at merge): one row per request the transform shaped, so the
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
