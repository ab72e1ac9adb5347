import { expect, test } from "bun:test";
import { join } from "node:path";
import type { Event, Part } from "@opencode-ai/sdk";
import { demoProjectFiles } from "../../demo/project.ts";
import { demoSteps } from "../../demo/session.ts";
import { scriptedToolCalls } from "../../src/harness/mock-anthropic.ts";
import { workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { STATUS_COMMAND } from "../../src/hooks/command.ts";
import { tmpdir } from "../fake/tmp.ts";
import { startedPerTest } from "./started.ts";

const started = startedPerTest();
const TIMEOUT = 240_000;

test(
  "/endless answers in a real opencode session without a model request, and a notable batch shows a toast",
  async () => {
    let project = "";
    const mock = started.mock({ script: scriptedToolCalls(() => demoSteps(project).slice(0, 8), { finalText: "Done." }) });
    using archiveDir = tmpdir();
    const archivePath = join(archiveDir.path, "endless.db");
    const world = await started.world({
      provider: { baseURL: mock.baseURL },
      files: demoProjectFiles(),
      plugins: [workingTreePlugin({ archivePath, keepLast: 2, highWaterTokens: 1000 })],
    });
    project = world.dirs.project;
    const server = await world.serve();

    // Toasts travel over the event stream the TUI listens to; collect them as the TUI would see them.
    const toasts: string[] = [];
    const events = await server.client.event.subscribe();
    // Ends with the server at teardown.
    void (async () => {
      for await (const event of events.stream as AsyncIterable<Event>) {
        if (event.type === "tui.toast.show") toasts.push(event.properties.message);
      }
    })().catch(() => {});

    const commands = await server.client.command.list();
    expect(commands.data?.map((c) => c.name)).toContain(STATUS_COMMAND);

    const turn = await server.prompt("Investigate the failing tests.", { title: "status", timeoutMs: 120_000 });
    const requestsBefore = mock.requests.length;
    expect(requestsBefore).toBeGreaterThan(8);

    const answered = performance.now();
    await server.client.session.command({ path: { id: turn.sessionID }, body: { command: STATUS_COMMAND, arguments: "" } });
    const answerMs = performance.now() - answered;
    await Bun.sleep(500);
    expect(mock.requests.length).toBe(requestsBefore);

    const messages = await server.client.session.messages({ path: { id: turn.sessionID } });
    const answers = (messages.data ?? [])
      .flatMap((m) => m.parts)
      .filter((p): p is Part & { type: "text"; text: string; ignored?: boolean } => p.type === "text" && p.text.startsWith("Endless:"));
    expect(answers).toHaveLength(1);
    const answer = answers[0]!;
    expect(answer.ignored).toBe(true);
    expect(answer.text).toStartWith("Endless: on");
    expect(answer.text).toContain(archivePath);
    expect(answer.text).toMatch(/outputs\s+8 archived in this session/);
    expect(answer.text).toMatch(/cache\s+[1-9]\d* rewrites caused by Endless/);
    expect(answer.text).toContain("on mock/claude-sonnet-mock");
    expect(answer.text).toContain("none (stock opencode)");
    console.error(`[e2e] /endless answered in ${answerMs.toFixed(0)} ms:\n${answer.text}`);

    // The answer is never sent to the model: the next turn's request carries no trace of it.
    const next = await server.prompt("Go on.", { sessionID: turn.sessionID, timeoutMs: 60_000 });
    expect(next.sessionID).toBe(turn.sessionID);
    const lastRequest = JSON.stringify(mock.requests.at(-1)!.body);
    expect(lastRequest).not.toContain("Endless: on");

    expect(toasts.some((t) => /batch \d+ freed [\d,]+ tokens/.test(t))).toBe(true);
  },
  TIMEOUT,
);
