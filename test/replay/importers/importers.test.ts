import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadSessions, parseSession } from "../../../src/replay/importers/load.ts";
import { type Session, stepCount, toolCallCount } from "../../../src/replay/importers/model.ts";
import { CLAUDE_CODE_JSONL, OPENCODE_EXPORT, OPENHANDS_JSON, SWE_AGENT_TRAJ } from "../../fixtures/sessions/small.ts";
import { tmpdir } from "../../fake/tmp.ts";

const calls = (s: Session) => s.turns.flatMap((t) => t.steps.flatMap((st) => st.calls));
const texts = (s: Session) => s.turns.flatMap((t) => t.steps.map((st) => st.text));

describe("sessions.importOpencode", () => {
  const session = parseSession(OPENCODE_EXPORT, "small.json");

  test("reads each assistant message as one step, skipping one aborted before it started", () => {
    expect(session.source).toBe("opencode");
    expect(session.name).toBe("small-fix");
    expect(session.turns).toHaveLength(1);
    expect(session.turns[0]!.user).toBe("Fix the divide bug.");
    expect(stepCount(session)).toBe(3);
    expect(texts(session)).toEqual(["Reading the file.", "", "Done."]);
  });

  test("keeps completed and failed calls in order, drops a running one, leaves reasoning out", () => {
    expect(calls(session).map((c) => [c.callID, c.tool, c.output, c.error ?? false])).toEqual([
      ["call_1", "read", "def divide_safely(a, b):\n    return a / b\n", false],
      ["call_2", "edit", "oldString not found", true],
    ]);
    expect(calls(session)[0]!.input).toEqual({ filePath: "src/calc.py" });
    expect(JSON.stringify(session)).not.toContain("secret thoughts");
  });
});

describe("sessions.importClaudeCode", () => {
  const session = parseSession(CLAUDE_CODE_JSONL, "/runs/task-1/transcript.jsonl");

  test("groups assistant entries of one message id into one step, leaves thinking and sidechains out", () => {
    expect(session.source).toBe("claude-code");
    expect(session.id).toBe("cc-small");
    expect(session.name).toBe("runs/task-1");
    expect(session.turns.map((t) => [t.user, t.steps.length])).toEqual([
      ["Fix the divide bug.", 2],
      ["Stop hook feedback: commit first", 1],
    ]);
    expect(texts(session)).toEqual(["Reading.", "", "Done."]);
  });

  test("matches tool results to their tool_use, string or block content", () => {
    expect(calls(session).map((c) => [c.callID, c.tool, c.output])).toEqual([
      ["toolu_1", "Read", "1\tdef divide_safely(a, b):"],
      ["toolu_2", "Bash", "Exit code 1\nFAILED test_calc.py"],
      ["toolu_3", "Grep", "no matches"],
    ]);
  });

  test("a shell command that exited non-zero is an output, not a failed call", () => {
    expect(calls(session)[1]!.error).toBeUndefined();
  });

  test("a sub-agent transcript (every entry a sidechain) is a session of its own and replays", () => {
    const subAgent = CLAUDE_CODE_JSONL.split("\n")
      .filter((line) => line.includes('"message"'))
      .map((line) => JSON.stringify({ ...JSON.parse(line), isSidechain: true, agentId: "a1" }))
      .join("\n");
    const session = parseSession(subAgent, "/runs/task-1/agent-a1.jsonl");
    expect(stepCount(session)).toBeGreaterThan(0);
    expect(calls(session).map((c) => c.callID)).toEqual(["toolu_1", "toolu_2", "toolu_3"]);
    // Its own sidechain step is part of it here, unlike in the parent transcript above.
    expect(texts(session)).toContain("sub-agent");
  });

  test("drops a torn last line but rejects a bad line in the middle", () => {
    expect(toolCallCount(parseSession(`${CLAUDE_CODE_JSONL}{"type":"user","mess`, "t.jsonl"))).toBe(3);
    const broken = CLAUDE_CODE_JSONL.replace("\n", "\n{oops\n");
    expect(() => parseSession(broken, "t.jsonl")).toThrow("line 2 is not valid JSON");
  });
});

describe("sessions.importSweAgent", () => {
  const session = parseSession(SWE_AGENT_TRAJ, "/x/demo/task.traj");

  test("keeps the system text, the task as the user turn, each action as a bash call", () => {
    expect(session.source).toBe("swe-agent");
    expect(session.system).toBe("SETTING: you are an autonomous programmer.");
    expect(session.turns[0]!.user).toBe("ISSUE: divide fails");
    expect(texts(session)).toEqual(["Let me look.\n", "Submitting.\n"]);
    expect(calls(session)).toEqual([
      { callID: "step-2", tool: "bash", input: { command: "open src/calc.py" }, output: "[File: src/calc.py]\n1:def divide_safely(a, b):" },
    ]);
  });
});

describe("sessions.importOpenHands", () => {
  const session = parseSession(OPENHANDS_JSON, "basic.json");

  test("turns actions into calls answered by the observation that names them as cause", () => {
    expect(session.source).toBe("openhands");
    expect(session.turns[0]!.user).toBe("Fix the divide bug.");
    expect(texts(session)).toEqual(["Let me read it.", "Done."]);
    expect(calls(session)).toEqual([
      { callID: "toolu_oh1", tool: "execute_bash", input: { command: "cat src/calc.py" }, output: "def divide_safely(a, b):" },
    ]);
  });
});

describe("sessions.loadSessions", () => {
  test("searches folders recursively and reads every format", async () => {
    await using dir = tmpdir({
      "a.json": OPENCODE_EXPORT,
      "b.jsonl": CLAUDE_CODE_JSONL,
      "deeper/c.traj": SWE_AGENT_TRAJ,
      "deeper/still/d.json": OPENHANDS_JSON,
      "notes.txt": "not a session, and not looked at",
    });
    const { sessions, skipped } = await loadSessions([dir.path]);
    expect(sessions.map((s) => s.source)).toEqual(["opencode", "claude-code", "swe-agent", "openhands"]);
    expect(skipped).toEqual([]);
  });

  test("skips a malformed file with its name and the problem, and reads the rest", async () => {
    await using dir = tmpdir({ "good.json": OPENCODE_EXPORT, "broken.json": '{"info": {"id": "x"}, "messages": [', "other.json": '{"hello": 1}' });
    const messages: string[] = [];
    const { sessions, skipped } = await loadSessions([dir.path], (s) => messages.push(`${s.file}: ${s.reason}`));
    expect(sessions).toHaveLength(1);
    expect(skipped.map((s) => s.file)).toEqual([join(dir.path, "broken.json"), join(dir.path, "other.json")]);
    expect(messages[0]).toContain("broken.json");
    expect(messages[0]).toContain("invalid JSON");
    expect(messages[1]).toContain("other.json");
    expect(messages[1]).toContain("not a recognized session format");
  });

  test("reports a path that does not exist", async () => {
    const { sessions, skipped } = await loadSessions(["/no/such/place"]);
    expect(sessions).toEqual([]);
    expect(skipped).toEqual([{ file: "/no/such/place", reason: "no such file or folder" }]);
  });
});
