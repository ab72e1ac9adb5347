import { describe, expect, test } from "bun:test";
import { loadSessions, parseSession } from "../../../src/replay/importers/load.ts";
import { type Session, type SessionSource, toolCallCount } from "../../../src/replay/importers/model.ts";
import { CORPUS, corpusFile, hasCorpus, noteMissingCorpus } from "../../fixtures/sessions/corpus.ts";

noteMissingCorpus("sessions corpus");

const read = async (...parts: string[]): Promise<Session> => parseSession(await Bun.file(corpusFile(...parts)).text(), corpusFile(...parts));

describe.skipIf(!hasCorpus)("sessions importers on the real corpus", () => {
  test("reads every corpus file, none skipped, with the tool calls SOURCES.md counts", async () => {
    const { sessions, skipped } = await loadSessions([CORPUS]);
    expect(skipped).toEqual([]);
    const bySource = new Map<SessionSource, number>();
    for (const s of sessions) bySource.set(s.source, (bySource.get(s.source) ?? 0) + toolCallCount(s));
    expect(sessions).toHaveLength(88);
    // SOURCES.md: 808 + 61 Claude Code tool_use blocks; 833 opencode tool parts, one of them still running.
    expect(bySource.get("claude-code")).toBe(869);
    expect(bySource.get("opencode")).toBe(832);
    expect(bySource.get("openhands")).toBe(8);
  });

  test("an opencode export: 146 tool calls, outputs whole", async () => {
    const s = await read("dark-factory-opencode/docs/chats/opencode/session__hidden-moon__ses_39b583141ffe5xDtTd3Mc1wh0o.json");
    expect(s.name).toBe("hidden-moon");
    expect(toolCallCount(s)).toBe(146);
    const tools = new Set(s.turns.flatMap((t) => t.steps.flatMap((st) => st.calls.map((c) => c.tool))));
    expect(tools.has("read")).toBe(true);
  });

  test("a Claude Code transcript: 13 tool calls over 3 user turns", async () => {
    const s = await read("claude-reliability-snapshots/snapshot-tests/tests/coverage-test-fix/transcript.jsonl");
    expect(toolCallCount(s)).toBe(13);
    expect(s.turns).toHaveLength(3);
    expect(s.turns[0]!.user).toContain("multiply_numbers");
  });

  test("a SWE-agent trajectory: the final submit has no observation, so 3 answered calls of 4 actions", async () => {
    const s = await read("swe-agent-demos/trajectories/demonstrations/ctf/misc/networking_1.traj");
    expect(s.system).toContain("CTF");
    expect(toolCallCount(s)).toBe(3);
    expect(s.turns[0]!.steps).toHaveLength(4);
    expect(s.turns[0]!.steps[0]!.calls[0]!.input).toEqual({ command: "tshark -n -r networking.pcap -q -z io,phs" });
  });

  test("an OpenHands trajectory: 4 agent actions with observations", async () => {
    const s = await read("openhands-test-trajs/tests/runtime/trajs/basic_gui_mode.json");
    expect(toolCallCount(s)).toBe(4);
    expect(s.turns[0]!.user).toContain("VueJS");
  });
});
