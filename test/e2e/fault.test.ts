import { expect, test } from "bun:test";
import { join } from "node:path";
import { demoProjectFiles } from "../../demo/project.ts";
import { demoSteps } from "../../demo/session.ts";
import { openArchive } from "../../src/archive/open.ts";
import { tmpdir } from "../fake/tmp.ts";
import { isMainAgentRequest, type RecordedRequest, scriptedToolCalls, startMockAnthropic, toolResultsOf } from "../../src/harness/mock-anthropic.ts";
import { createOpencodeWorld, workingTreePlugin } from "../../src/harness/opencode-runner.ts";

const CALLS_BEFORE_KILL = 8;

/** What the request carried for each tool call, by call id. */
const sentOutputs = (req: RecordedRequest) => new Map(toolResultsOf(req.body).map((r) => [r.toolUseId, r.content]));

test(
  "after opencode is killed mid-session the archive is intact and the frontier carries on byte for byte",
  async () => {
    let project = "";
    let hung: () => void = () => {};
    const reachedHang = new Promise<void>((resolve) => (hung = resolve));
    const steps = () => demoSteps(project).slice(0, CALLS_BEFORE_KILL);
    const play = scriptedToolCalls(steps, { finalText: "Resumed and done." });
    let killed = false;
    await using mock = startMockAnthropic({
      script: async (req, index) => {
        // Before the kill, the request after the last scripted call never gets an answer (bounded wait).
        if (!killed && isMainAgentRequest(req) && toolResultsOf(req.body).length === CALLS_BEFORE_KILL) {
          hung();
          await Bun.sleep(20_000);
          return { error: { status: 400, type: "invalid_request_error", message: "mock: timed out on purpose" } };
        }
        return play(req, index);
      },
    });
    using archiveDir = tmpdir();
    const archivePath = join(archiveDir.path, "endless.db");
    const plugin = workingTreePlugin({ archivePath, keepLast: 2, highWaterTokens: 1000 });
    await using world = await createOpencodeWorld({ provider: { baseURL: mock.baseURL }, files: demoProjectFiles(), plugins: [plugin] });
    project = world.dirs.project;

    const server = await world.serve();
    const turn = server.prompt("Investigate.", { title: "fault" }).catch(() => undefined);
    await reachedHang;
    process.kill(-server.pid, "SIGKILL");
    killed = true;
    await turn;
    await server.stop();

    const beforeKill = mock.requests.filter(isMainAgentRequest).at(-1)!;
    const db = openArchive(archivePath);
    expect(db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM tool_calls").get()?.n).toBe(CALLS_BEFORE_KILL);
    const renders = db.query<{ n: number }, []>("SELECT count(*) AS n FROM renders").get()?.n ?? 0;
    expect(renders).toBeGreaterThan(0);
    db.close();

    const sessionID = beforeKill.headers["x-session-id"]!;
    const resumed = await world.run("Continue where you stopped.", { sessionID, autoApprove: true });
    expect(resumed.exitCode).toBe(0);
    const afterRestart = mock.requests.filter(isMainAgentRequest).find((r) => r.time > beforeKill.time)!;
    const before = sentOutputs(beforeKill);
    const after = sentOutputs(afterRestart);
    let compressed = 0;
    for (const [callID, content] of before) {
      expect(after.get(callID)).toBe(content);
      if (content.includes("[endless:")) compressed++;
    }
    expect(compressed).toBe(renders);
  },
  240_000,
);
