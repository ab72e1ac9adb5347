import { expect, test } from "bun:test";
import { join } from "node:path";
import { RECALL_BLOCK_MARK } from "../../src/context/recall-block.ts";
import { isMainAgentRequest, lastUserText, type RecordedRequest, scriptedToolCalls, toolResultsOf } from "../../src/harness/mock-anthropic.ts";
import { workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { tmpdir } from "../fake/tmp.ts";
import { startedPerTest } from "./started.ts";

const started = startedPerTest();
/** Two opencode runs of a few steps each, on a busy machine. */
const TIMEOUT = 300_000;
const QUESTION = "Why did the quuxinator crash?";

/** Turn one: three long bash outputs, the first naming the crash; turn two: one more step, then the answer. */
const firstTurn = [
  { name: "bash", id: "toolu_q1", input: { command: "seq 1 400 | sed 's/^/row /'; echo 'ERROR widget quuxinator crashed with code 77'", description: "build" } },
  { name: "bash", id: "toolu_q2", input: { command: "seq 1000 1400 | sed 's/^/item /'", description: "list" } },
  { name: "bash", id: "toolu_q3", input: { command: "seq 2000 2400 | sed 's/^/entry /'", description: "list more" } },
];
const secondTurn = [{ name: "bash", id: "toolu_q4", input: { command: "echo checked", description: "check" } }];

/** The user message that carries the question, as the request sent it, without opencode's moving cache markers. */
const questionMessage = (req: RecordedRequest): string | undefined => {
  const message = (req.body?.messages ?? []).find((m) => JSON.stringify(m).includes(QUESTION));
  return message === undefined ? undefined : JSON.stringify(message, (key, value) => (key === "cache_control" ? undefined : value));
};

async function twoTurns(relevantRecall: boolean) {
  let turn = 1;
  const mock = started.mock({ script: scriptedToolCalls(() => (turn === 1 ? firstTurn : [...firstTurn, ...secondTurn])) });
  using dir = tmpdir();
  const plugin = workingTreePlugin({ archivePath: join(dir.path, "endless.db"), keepLast: 1, highWaterTokens: 500, minTokens: 50, relevantRecall: { enabled: relevantRecall } });
  const world = await started.world({ provider: { baseURL: mock.baseURL }, plugins: [plugin] });
  const first = await world.run("Build the widgets.", { autoApprove: true, title: "recall", timeoutMs: 120_000 });
  expect(first.exitCode).toBe(0);
  turn = 2;
  const second = await world.run(QUESTION, { sessionID: first.sessionID, autoApprove: true, timeoutMs: 120_000 });
  expect(second.exitCode).toBe(0);
  const asked = mock.requests.filter(isMainAgentRequest).filter((r) => questionMessage(r) !== undefined);
  // The first of them is the question's own request: the user's text is the newest there.
  expect(lastUserText(asked[0]?.body)).toContain(QUESTION);
  return asked;
}

test(
  "with relevantRecall on, the request after a matching user message carries the block naming the earlier output, the same on the turn's next request",
  async () => {
    const asked = await twoTurns(true);
    // The question's own request, and the one after the turn's bash step.
    expect(asked.length).toBe(2);
    const [first, next] = asked;
    expect(toolResultsOf(next!.body).map((r) => r.toolUseId)).toContain("toolu_q4");
    const message = questionMessage(first!);
    expect(message).toContain(RECALL_BLOCK_MARK);
    expect(message).toContain("toolu_q1 (bash)");
    expect(message).toContain("quuxinator crashed with code 77");
    expect(questionMessage(next!)).toBe(message);
  },
  TIMEOUT,
);

test(
  "with relevantRecall off (the default), no request carries a block",
  async () => {
    const asked = await twoTurns(false);
    expect(asked.length).toBe(2);
    for (const req of asked) expect(JSON.stringify(req.body?.messages)).not.toContain(RECALL_BLOCK_MARK);
  },
  TIMEOUT,
);
