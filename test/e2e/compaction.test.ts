import { describe, expect, test } from "bun:test";
import { isCompactionRequest, isMainAgentRequest, lastUserText, type Reply } from "../../src/harness/mock-anthropic.ts";
import { workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { startedPerTest } from "./started.ts";

const started = startedPerTest();
const TIMEOUT = 240_000;

const STEPS = [
  { name: "bash", input: { command: "printf 'ERROR: build failed with code E4242\\n'; exit 3", description: "Build" } },
  { name: "write", input: { filePath: "PLACEHOLDER/notes/plan.md", content: "# Plan\nstatus: draft\n" } },
  { name: "bash", input: { command: "ls notes", description: "List notes" } },
];

describe("opencode compacts anyway (its overflow check fires)", () => {
  test(
    "the summariser is handed the ledger, and the request after the compaction carries the ledger digest again",
    async () => {
      let project = "";
      let main = 0;
      const mock = started.mock({
        script: (req): Reply => {
          if (!isMainAgentRequest(req)) return { text: "Summary: a build failed and a plan was written." };
          const step = STEPS[main];
          main++;
          if (step === undefined) return { text: "Done." };
          const input = JSON.parse(JSON.stringify(step.input).replace("PLACEHOLDER", project)) as Record<string, unknown>;
          // The third reply reports a window-sized usage: opencode's own overflow check compacts after it.
          return { toolCalls: [{ name: step.name, input }], ...(main === 3 ? { usage: { inputTokens: 31_000 } } : {}) };
        },
      });
      const world = await started.world({
        provider: { baseURL: mock.baseURL, limit: { context: 32_000, output: 4_096 } },
        plugins: [workingTreePlugin({})],
      });
      project = world.dirs.project;
      const run = await world.run("Fix the build and write the plan.", { title: "compaction", autoApprove: true, timeoutMs: TIMEOUT - 30_000 });
      expect(run.exitCode, world.logTail()).toBe(0);

      const compactions = mock.requests.filter(isCompactionRequest);
      expect(compactions).toHaveLength(1);
      const summariser = JSON.stringify(compactions[0]!.body);
      expect(summariser).toContain("[endless: session ledger]");
      expect(summariser).toContain("notes/plan.md: written 1x");
      expect(summariser).toContain("E4242");

      const after = mock.requests.filter((r) => isMainAgentRequest(r) && r.time > compactions[0]!.time);
      expect(after.length).toBeGreaterThan(0);
      const resumed = JSON.stringify(after[0]!.body?.messages);
      expect(resumed).toContain("[endless: session ledger]");
      expect(resumed).toContain("Goal (the first request): Fix the build and write the plan.");
      expect(resumed).toContain("E4242");
      expect(lastUserText(after[0]!.body).length).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
});
