import { describe, expect, test } from "bun:test";
import { renderDigest } from "../../src/ledger/digest.ts";
import { loadSessions, parseSession } from "../../src/replay/importers/load.ts";
import { toolCallCount } from "../../src/replay/importers/model.ts";
import { sessionLedger } from "../../src/replay/ledger.ts";
import { countTokens } from "../../src/tokens/count.ts";
import { CORPUS, corpusFile, hasCorpus, noteMissingCorpus } from "../fixtures/sessions/corpus.ts";

noteMissingCorpus("ledger corpus");

const HIDDEN_MOON = ["dark-factory-opencode", "docs", "chats", "opencode", "session__hidden-moon__ses_39b583141ffe5xDtTd3Mc1wh0o.json"];

describe.skipIf(!hasCorpus)("the ledger of real corpus sessions", () => {
  test("hidden-moon (opencode export): the figures counted by hand from the export", async () => {
    const session = parseSession(await Bun.file(corpusFile(...HIDDEN_MOON)).text(), corpusFile(...HIDDEN_MOON));
    const ledger = sessionLedger(session);
    // Counted with a script over the raw export: 13 distinct files changed by apply_patch/write/edit, 13
    // distinct bash commands over 24 runs,
    // 3 failed tool calls, the last todowrite held 5 todos, 6 user messages with text.
    expect(ledger.files.filter((f) => f.writes + f.edits > 0)).toHaveLength(13);
    expect(ledger.commands).toHaveLength(13);
    expect(ledger.commands.reduce((n, c) => n + c.runs, 0)).toBe(24);
    expect(ledger.errors).toHaveLength(3);
    expect(ledger.todos).toHaveLength(5);
    expect(ledger.requests).toHaveLength(6);
    expect(ledger.calls).toHaveLength(toolCallCount(session));
    expect(ledger.calls.filter((c) => c.tool === "bash").length).toBe(24);
  });

  test("every corpus session: one line per call, a digest within budget that names the goal", async () => {
    const { sessions } = await loadSessions([CORPUS]);
    expect(sessions.length).toBeGreaterThan(0);
    for (const session of sessions) {
      const ledger = sessionLedger(session);
      // Three replayed SWE-agent demos reuse call ids; a call id is recorded once.
      const ids = new Set(session.turns.flatMap((t) => t.steps.flatMap((st) => st.calls.map((c) => c.callID))));
      expect(ledger.calls).toHaveLength(ids.size);
      const { text: digest, tokens } = renderDigest(ledger, { budgetTokens: 2_000, foldedCalls: ledger.calls.length });
      expect(tokens).toBeLessThanOrEqual(2_000);
      expect(Math.abs(countTokens(digest) - tokens)).toBeLessThanOrEqual(100);
      if (ledger.requests[0] !== undefined) expect(digest).toContain("Goal (the first request): ");
    }
  });
});
