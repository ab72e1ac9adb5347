import { expect, test } from "bun:test";
import { join } from "node:path";
import { demoProjectFiles } from "../../demo/project.ts";
import { demoSteps } from "../../demo/session.ts";
import { isMainAgentRequest, scriptedToolCalls, toolResultsOf } from "../../src/harness/mock-anthropic.ts";
import { workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { startedPerTest } from "./started.ts";
import { tmpdir } from "../fake/tmp.ts";

const started = startedPerTest();

test(
  "with two providers configured, tool outputs reach only the session's own provider, compressed or not",
  async () => {
    let project = "";
    const steps = () => demoSteps(project).slice(0, 8);
    const used = started.mock({ script: scriptedToolCalls(steps, { finalText: "Done." }) });
    const other = started.mock({ script: () => ({ text: "the other provider should never be asked" }) });
    using archive = tmpdir();
    const world = await started.world({
      provider: [{ baseURL: used.baseURL }, { baseURL: other.baseURL, id: "other" }],
      files: demoProjectFiles(),
      plugins: [workingTreePlugin({ archivePath: join(archive.path, "a.db"), keepLast: 1, highWaterTokens: 1000 })],
    });
    project = world.dirs.project;
    const result = await world.run("Investigate.", { title: "leak", autoApprove: true, timeoutMs: 180_000 });
    expect(result.exitCode, world.logTail()).toBe(0);
    const main = used.requests.filter(isMainAgentRequest);
    expect(toolResultsOf(main.at(-1)!.body).length).toBe(8);
    expect(JSON.stringify(main.at(-1)!.body)).toContain("[endless:");
    expect(other.requests).toEqual([]);
  },
  240_000,
);
