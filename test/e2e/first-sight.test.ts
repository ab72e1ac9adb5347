import { expect, test } from "bun:test";
import { join } from "node:path";
import type { ToolPart, ToolStateCompleted } from "@opencode-ai/sdk";
import { isMainAgentRequest, type Script, toolResultsOf } from "../../src/harness/mock-anthropic.ts";
import { workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { tmpdir } from "../fake/tmp.ts";
import { startedPerTest } from "./started.ts";

const started = startedPerTest();
const TIMEOUT = 300_000;
const BIG = "toolu_big";
const PAGE = "toolu_page";
/** About 48 KB in 1,400 lines: under opencode's own 50 KB and 2,000-line cut, over Endless's 32,000 characters. */
const COMMAND = "seq 1 1400 | sed 's/^/row of the first-sight test /'";

test(
  "real opencode: a 48 KB output reaches the model as its first lines and observation, the same bytes on the next request, and recall at the offset it names returns the next line on",
  async () => {
    // The scripted model runs the command, then pages on with the offset the note names.
    const script: Script = (req) => {
      if (!isMainAgentRequest(req)) return { text: "First sight" };
      const results = toolResultsOf(req.body);
      if (results.length === 0) return { toolCalls: [{ name: "bash", id: BIG, input: { command: COMMAND, description: "rows" } }] };
      if (results.length === 1) {
        const offset = Number(/"offset":(\d+)/.exec(results[0]!.content)?.[1] ?? -1);
        return { toolCalls: [{ name: "recall", id: PAGE, input: { id: BIG, offset, limit: 5 } }] };
      }
      return { text: "Done." };
    };
    const mock = started.mock({ script });
    using dir = tmpdir();
    const world = await started.world({ provider: { baseURL: mock.baseURL }, plugins: [workingTreePlugin({ archivePath: join(dir.path, "endless.db") })] });
    const run = await world.run("List the rows.", { autoApprove: true, title: "first sight", timeoutMs: 120_000 });
    expect(run.exitCode).toBe(0);

    const exported = await world.exportSession(run.sessionID!);
    const parts = exported.messages.flatMap((m) => m.parts).filter((p): p is ToolPart & { state: ToolStateCompleted } => p.type === "tool" && p.state.status === "completed");
    const stored = parts.find((p) => p.callID === BIG)!.state.output;
    // opencode keeps the whole output; this size is what the test is about.
    expect(stored.length).toBeGreaterThan(40_000);
    expect(stored).toContain("row of the first-sight test 1400");

    const main = mock.requests.filter(isMainAgentRequest);
    expect(main.length).toBe(3);
    const sent = (k: number, id: string) => toolResultsOf(main[k]!.body).find((r) => r.toolUseId === id)!.content;
    const view = sent(1, BIG);
    expect(view.length).toBeLessThan(33_000);
    expect(view).toContain("[endless: this output is");
    const head = view.slice(0, view.indexOf("\n[endless: this output is"));
    expect(stored.startsWith(head)).toBe(true);
    const shown = head.split("\n").length;
    expect(view).toContain(`recall({"id":"${BIG}","offset":${shown}})`);
    // Not a batch: the next request carries the same bytes for it.
    expect(sent(2, BIG)).toBe(view);

    const page = sent(2, PAGE);
    const storedLines = stored.split("\n");
    expect(page).toContain(storedLines[shown]!);
    expect(page).not.toContain(`${storedLines[shown - 1]!}\n`);
  },
  TIMEOUT,
);
