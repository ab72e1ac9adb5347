import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ToolPart, ToolStateCompleted } from "@opencode-ai/sdk";
import { demoProjectFiles } from "../../demo/project.ts";
import { type ScriptedRunResult, runScriptedSession } from "../../demo/scripted-run.ts";
import { callId, demoSteps } from "../../demo/session.ts";
import { countTokens } from "../../src/tokens/count.ts";
import { type ContentBlock, type RecordedRequest, toolResultsOf } from "../../src/harness/mock-anthropic.ts";

const TIMEOUT = 180_000;
const OPTIONS = { keepLast: 2, highWaterTokens: 1000 };
const WORK_STEPS = 12;

/** The first 12 calls of the demo session, then a recall by id of the test run (call 4) and one by query. */
function steps(project: string) {
  const work = demoSteps(project).slice(0, WORK_STEPS);
  return [
    ...work,
    { name: "recall", input: { id: callId(4) }, id: "toolu_recall_id" },
    { name: "recall", input: { query: "status=500" }, id: "toolu_recall_query" },
  ];
}

const completedTools = (run: ScriptedRunResult) =>
  run.exported!.messages.flatMap((m) => m.parts).filter((p): p is ToolPart & { state: ToolStateCompleted } => p.type === "tool" && p.state.status === "completed");

/** The request's messages without opencode's moving cache markers, which are not content. */
const messagesOf = (req: RecordedRequest) =>
  JSON.parse(JSON.stringify(req.body?.messages ?? [], (key, value) => (key === "cache_control" ? undefined : value))) as unknown[];

/**
 * Compares each main request with the one before it: `shared` requests start with the previous one's messages
 * byte for byte, `moved` ones do not. Where they differ, every changed message must carry Endless's
 * observations or input stand-ins (a batch boundary).
 */
function prefixChanges(run: ScriptedRunResult): { shared: number; moved: number } {
  let shared = 0;
  let moved = 0;
  for (let k = 1; k < run.mainRequests.length; k++) {
    const before = messagesOf(run.mainRequests[k - 1]!);
    const after = messagesOf(run.mainRequests[k]!).slice(0, before.length);
    if (JSON.stringify(after) === JSON.stringify(before)) {
      shared++;
      continue;
    }
    moved++;
    const changed = after.filter((m, i) => JSON.stringify(m) !== JSON.stringify(before[i]));
    for (const message of changed) expect(JSON.stringify(message)).toContain("[endless:");
  }
  return { shared, moved };
}

describe("Endless in real opencode", () => {
  let endless: ScriptedRunResult;

  test(
    "a scripted session runs to the end with the plugin loaded",
    async () => {
      endless = await runScriptedSession({ files: demoProjectFiles(), steps, endless: OPTIONS, exportSession: true });
      expect(endless.exitCode).toBe(0);
      expect(completedTools(endless).map((p) => p.callID)).toEqual(steps("/").map((s) => s.id ?? ""));
    },
    TIMEOUT,
  );

  test("the last request carries observations with recall handles for all but the newest outputs", () => {
    const last = endless.mainRequests.at(-1)!;
    const sent = new Map(toolResultsOf(last.body).map((r) => [r.toolUseId, r.content]));
    const originals = completedTools(endless).filter((p) => p.tool !== "recall");
    // keepLast counts compressible outputs only: those of at least minTokens (default 150).
    const compressible = originals.filter((p) => countTokens(p.state.output) >= 150);
    const newest = compressible.slice(-OPTIONS.keepLast).map((p) => p.callID);
    let observed = 0;
    for (const part of originals) {
      const content = sent.get(part.callID)!;
      if (newest.includes(part.callID)) {
        expect(content).toBe(part.state.output);
      } else if (countTokens(part.state.output) > OPTIONS.highWaterTokens) {
        expect(content).toContain(`recall({"id":"${part.callID}"})`);
        expect(content.length).toBeLessThan(part.state.output.length);
        observed++;
      }
    }
    expect(observed).toBe(5); // calls 02, 03, 04, 06 and 07 of this deterministic session
  });

  test("opencode's stored history still holds every original output", () => {
    for (const part of completedTools(endless)) expect(part.state.output).not.toContain("[endless:");
    const testRun = completedTools(endless).find((p) => p.callID === callId(4))!;
    expect(testRun.state.output).toContain("Tests: 2 failed, 318 passed, 320 total");
    expect(testRun.state.metadata.exit).toBe(1);
  });

  test("recall by id returns the archived original byte for byte, and recall by query finds it", () => {
    const original = completedTools(endless).find((p) => p.callID === callId(4))!.state.output;
    const recalled = completedTools(endless).find((p) => p.callID === "toolu_recall_id")!.state.output;
    const [header, ...body] = recalled.split("\n");
    expect(header).toContain("complete");
    expect(body.join("\n")).toBe(original);
    const search = completedTools(endless).find((p) => p.callID === "toolu_recall_query")!.state.output;
    expect(search).toContain("status=500");
    expect(search).toMatch(/toolu_demo_\d\d \(bash\)/);
  });

  test("consecutive requests share their message prefix byte for byte unless the frontier moved", () => {
    // Only tool results may differ, and only by becoming observations (a batch boundary).
    const { shared, moved } = prefixChanges(endless);
    expect(shared).toBeGreaterThan(moved);
    expect(moved).toBeGreaterThan(0);
    expect(endless.log.match(/frontier moved/g)?.length).toBe(moved);
  });

  test(
    "an invalid option falls back to its default with one log line naming the key; Endless stays on",
    async () => {
      const run = await runScriptedSession({
        files: demoProjectFiles(),
        steps: (project) => demoSteps(project).slice(0, 6),
        endless: { ...OPTIONS, keepLast: "three" },
        exportSession: true,
      });
      expect(run.exitCode).toBe(0);
      expect(completedTools(run)).toHaveLength(6);
      // keepLast falls back to 1 and OPTIONS' other keys apply: the recall tool is offered and old outputs are compressed.
      for (const req of run.mainRequests) expect(req.body?.tools?.map((t) => t.name)).toContain("recall");
      expect(JSON.stringify(run.mainRequests.at(-1)?.body?.messages)).toContain("[endless:");
      const complaints = run.log.split("\n").filter((line) => line.includes('option \\"keepLast\\"') || line.includes('option "keepLast"'));
      expect(complaints).toHaveLength(1);
    },
    TIMEOUT,
  );
});

const WRITE_ID = "toolu_write_notes";
const RECALL_INPUT_ID = "toolu_recall_input";
const NOTES = "notes/plan.md";
/** A Markdown file (no language server wakes up for it) of about 5,000 tokens. */
const NOTES_CONTENT = [
  "# Plan for the inventory service",
  "",
  ...Array.from({ length: 300 }, (_, i) => `- step ${i}: check handler ${i} for status=500 responses and record latency_ms=${i * 7}`),
  "",
].join("\n");

/** The scripted model writes a large file first, works through 10 demo calls, then recalls the write's input. */
function writeSteps(project: string) {
  return [
    { name: "write", input: { filePath: join(project, NOTES), content: NOTES_CONTENT }, id: WRITE_ID },
    ...demoSteps(project).slice(0, 10),
    { name: "recall", input: { id: WRITE_ID, part: "input" }, id: RECALL_INPUT_ID },
  ];
}

/** The write's tool_use block as a request carried it. */
const writeUse = (req: RecordedRequest): ContentBlock | undefined =>
  (req.body?.messages ?? [])
    .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .find((b) => b.type === "tool_use" && b.id === WRITE_ID);

describe("Endless and tool inputs in real opencode", () => {
  let run: ScriptedRunResult;

  test(
    "a session that writes a large file early runs to the end",
    async () => {
      run = await runScriptedSession({ files: demoProjectFiles(), steps: writeSteps, endless: OPTIONS, exportSession: true });
      expect(run.exitCode).toBe(0);
      expect(completedTools(run).map((p) => p.callID)).toEqual(writeSteps("/").map((s) => s.id ?? ""));
    },
    TIMEOUT,
  );

  test("later requests carry the write with a stand-in for its content and its filePath as is", () => {
    const carrying = run.mainRequests.filter((r) => writeUse(r) !== undefined);
    expect(carrying.length).toBe(run.mainRequests.length - 1);
    // The model first sees its own call whole.
    expect(writeUse(carrying[0]!)!.input).toEqual({ filePath: expect.stringContaining(NOTES), content: NOTES_CONTENT });
    const last = writeUse(run.mainRequests.at(-1)!)!.input as Record<string, unknown>;
    expect(Object.keys(last).sort()).toEqual(["content", "filePath"]);
    expect(last.filePath).toEqual(expect.stringContaining(NOTES));
    expect(last.content).toContain("[endless: content elided from this earlier call (303 lines");
    expect(last.content).toContain(`recall({"id":"${WRITE_ID}","part":"input"})`);
    expect(String(last.content).length).toBeLessThan(NOTES_CONTENT.length / 10);
  });

  test("the stand-in appears only where the frontier moved; requests in between share their prefix", () => {
    const { moved } = prefixChanges(run);
    expect(moved).toBeGreaterThan(0);
    expect(run.log.match(/frontier moved/g)?.length).toBe(moved);
  });

  test("opencode's stored history keeps the full input, and recall with part input returns it byte for byte", () => {
    const write = completedTools(run).find((p) => p.callID === WRITE_ID)!;
    expect(write.state.input).toEqual({ filePath: expect.stringContaining(NOTES), content: NOTES_CONTENT });
    const recalled = completedTools(run).find((p) => p.callID === RECALL_INPUT_ID)!.state.output;
    const [header, ...body] = recalled.split("\n");
    expect(header).toContain("write input field content");
    expect(header).toContain("complete");
    expect(body.join("\n")).toBe(NOTES_CONTENT);
  });
});
