import { expect, test } from "bun:test";
import { join } from "node:path";
import { openArchive } from "../../src/archive/open.ts";
import { searchToolCalls } from "../../src/archive/search.ts";
import { archiveToolCall, findToolCall } from "../../src/archive/tool-calls.ts";
import { main } from "../../src/cli/main.ts";
import { tmpdir } from "../fake/tmp.ts";

const SECRET = "AKIA-endless-test-secret-value-7731";

test("endless forget removes a session's archive and leaves no copy of its outputs in the file", async () => {
  using dir = tmpdir();
  const path = join(dir.path, "a.db");
  const db = openArchive(path);
  const output = `config dump\nAWS_ACCESS_KEY_ID=${SECRET}\n${"filler line\n".repeat(500)}`;
  archiveToolCall(db, { sessionID: "ses_gone", callID: "toolu_1", tool: "bash", input: {}, output, tokens: 10 }, "replace");
  archiveToolCall(db, { sessionID: "ses_kept", callID: "toolu_2", tool: "bash", input: {}, output: "kept output", tokens: 1 }, "replace");
  expect(searchToolCalls(db, { sessionID: "ses_gone", query: SECRET, limit: 5 })).toHaveLength(1);
  db.close();

  const out: string[] = [];
  const io = { out: (t: string) => out.push(t), err: () => {} };
  expect(await main(["forget", "--session", "ses_gone", "--archive", path], io)).toBe(0);
  expect(out.join("")).toContain("forgot 1 tool calls");

  const after = openArchive(path);
  expect(findToolCall(after, "ses_gone", "toolu_1")).toBeUndefined();
  expect(findToolCall(after, "ses_kept", "toolu_2")?.output).toBe("kept output");
  expect(searchToolCalls(after, { sessionID: "ses_gone", query: SECRET, limit: 5 })).toHaveLength(0);
  after.close();
  const bytes = Buffer.from(await Bun.file(path).arrayBuffer()).toString("latin1");
  expect(bytes.includes(SECRET)).toBe(false);
});

test("endless forget needs a session", async () => {
  const err: string[] = [];
  expect(await main(["forget"], { out: () => {}, err: (t) => err.push(t) })).toBe(2);
  expect(err.join("")).toContain("--session is required");
});
