import {
  isMainAgentRequest,
  type RecordedRequest,
  requestInputTokens,
  type ScriptSteps,
  scriptedToolCalls,
  startMockAnthropic,
} from "../src/harness/mock-anthropic.ts";
import { createOpencodeWorld, type ExportedSession, type PluginSpec, WORKING_TREE_PLUGIN } from "../src/harness/opencode-runner.ts";

export interface ScriptedRunInput {
  /** Project files by relative path. */
  readonly files: Record<string, string>;
  /** The session's tool calls, resolved once the project directory is known. */
  readonly steps: (project: string) => ScriptSteps;
  /** Plugin options for Endless; `undefined` runs stock opencode with no plugin. */
  readonly endless: Record<string, unknown> | undefined;
  readonly prompt?: string;
  readonly timeoutMs?: number;
  /** Also return `opencode export` of the session (tests assert on what opencode stored). */
  readonly exportSession?: boolean;
}

export interface ScriptedRunResult {
  readonly sessionID: string;
  readonly exitCode: number;
  /** Requests of the main agent (those offering tools), in order. */
  readonly mainRequests: RecordedRequest[];
  /** Input tokens of each main request, with the project tokenizer. */
  readonly inputTokens: number[];
  readonly exported: ExportedSession | undefined;
  /** opencode's whole log for the run (plugin log lines included). */
  readonly log: string;
  readonly durationMs: number;
}

/**
 * Plays one scripted session through the real opencode binary against the local mock, with Endless loaded
 * from this working tree or not at all, and returns what went over the wire and what opencode stored.
 */
export async function runScriptedSession(input: ScriptedRunInput): Promise<ScriptedRunResult> {
  let project = "";
  await using mock = startMockAnthropic({
    script: scriptedToolCalls(() => input.steps(project), { finalText: "Done: the session is complete." }),
  });
  const plugins: PluginSpec[] = input.endless === undefined ? [] : [[WORKING_TREE_PLUGIN, input.endless]];
  await using world = await createOpencodeWorld({ provider: { baseURL: mock.baseURL }, plugins, files: input.files });
  project = world.dirs.project;
  const started = performance.now();
  const run = await world.run(input.prompt ?? "Investigate the failing tests and the server errors.", {
    title: "scripted session",
    autoApprove: true,
    timeoutMs: input.timeoutMs ?? 120_000,
  });
  const durationMs = performance.now() - started;
  if (run.sessionID === undefined) throw new Error(`opencode created no session:\n${world.logTail(40)}`);
  const mainRequests = mock.requests.filter(isMainAgentRequest);
  return {
    sessionID: run.sessionID,
    exitCode: run.exitCode,
    mainRequests,
    inputTokens: mainRequests.map((r) => requestInputTokens(r.body)),
    exported: input.exportSession ? await world.exportSession(run.sessionID) : undefined,
    log: await Bun.file(world.logFile).text(),
    durationMs,
  };
}
