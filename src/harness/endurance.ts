/**
 * @module
 * The endurance session: a long scripted coding session on a small-window model (32k, as local models
 * served by Ollama or LM Studio often have), played through the real opencode binary against the mock,
 * which enforces the window as a provider does. Shared by the e2e test (a short run) and
 * `bench/endurance.ts` (300 calls, stock beside Endless).
 */
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { ToolPart, ToolStateCompleted } from "@opencode-ai/sdk";
import {
  isCompactionRequest,
  isMainAgentRequest,
  type Protocol,
  type RecordedRequest,
  requestInputTokens,
  type Script,
  startMockAnthropic,
  type ToolCall,
} from "./mock-anthropic.ts";
import { createOpencodeWorld, WORKING_TREE_PLUGIN } from "./opencode-runner.ts";

export const ENDURANCE_WINDOW = { context: 32_000, output: 4_096 };

/** Calls per unit of work: a log, a spec, a search, a check, a note written, read and edited, a fix, the check again, a count. */
const UNIT = 10;

/** A unit whose failing check is never fixed: every third one. */
export const unfixed = (k: number): boolean => k % 3 === 2;

/** The error code a unit's failing check prints. */
export const errorCode = (k: number): string => `E${k}77`;

const logText = (k: number, lines: number) =>
  Array.from({ length: lines }, (_, j) => `2026-01-0${1 + (k % 9)}T10:${String(j % 60).padStart(2, "0")}:00Z INFO worker-${(k * 7 + j) % 13} handled ref_${k}_${j} in ${(k * 31 + j * 17) % 997}ms bytes=${(k * 1009 + j * 101) % 65_521}`).join("\n");

const specText = (k: number) =>
  [`# Spec ${k}`, "", ...Array.from({ length: 160 }, (_, j) => `- rule ${k}.${j}: field_${(k + j) % 50} must stay within ${(j * 37) % 1000} units (ref_${k}_${j})`)].join("\n");

const CHECK_SCRIPT = `#!/bin/sh
# A check that fails until fixed/$1.ok exists.
if [ -f "fixed/$1.ok" ]; then echo "check $1: ok"; exit 0; fi
head -n 150 "logs/run$1.log"
echo "ERROR: check $1 failed with code E$177"
exit 1
`;

/** The project the session works in: logs, specs and the check script for `units` units. */
export function enduranceProject(calls: number): Record<string, string> {
  const units = Math.ceil(calls / UNIT);
  const files: Record<string, string> = { "scripts/check.sh": CHECK_SCRIPT };
  for (let k = 0; k < units; k++) {
    files[`logs/run${k}.log`] = logText(k, 240);
    files[`docs/spec${k}.md`] = specText(k);
  }
  return files;
}

/** The scripted calls, `calls` of them, with ids the test can name. */
export function enduranceSteps(project: string, calls: number): ToolCall[] {
  const bash = (command: string, description: string) => ({ name: "bash", input: { command, description } });
  const file = (path: string) => join(project, path);
  const steps: ToolCall[] = [];
  for (let k = 0; steps.length < calls; k++) {
    const note = `notes/note${k}.md`;
    const unit = [
      bash(`cat logs/run${k}.log`, `Read log ${k}`),
      { name: "read", input: { filePath: file(`docs/spec${k}.md`) } },
      bash(`grep -rn 'ref_${k}_1' docs logs | head -n 120`, `Search ref ${k}`),
      bash(`sh scripts/check.sh ${k}`, `Run check ${k}`),
      { name: "write", input: { filePath: file(note), content: `# Note ${k}\nstatus: draft\n\n${specText(k).split("\n").slice(0, 60).join("\n")}\n` } },
      { name: "read", input: { filePath: file(note) } },
      { name: "edit", input: { filePath: file(note), oldString: "status: draft", newString: "status: reviewed" } },
      unfixed(k) ? bash(`wc -l logs/run${k}.log docs/spec${k}.md`, `Count ${k}`) : { name: "write", input: { filePath: file(`fixed/${k}.ok`), content: `fixed ${k}\n` } },
      bash(`sh scripts/check.sh ${k}`, `Re-run check ${k}`),
      bash(`tail -n 120 logs/run${k}.log`, `Tail log ${k}`),
    ];
    for (const step of unit.slice(0, calls - steps.length)) steps.push({ ...step, id: `call_end_${String(steps.length).padStart(4, "0")}` });
  }
  return steps;
}

/** Files the session writes or edits, relative to the project. */
export function changedFiles(steps: readonly ToolCall[], project: string): string[] {
  const paths = steps.filter((s) => s.name === "write" || s.name === "edit").map((s) => String(s.input.filePath).slice(project.length + 1));
  return [...new Set(paths)];
}

/** Error codes of checks that failed and were not fixed by the end. */
export function unresolvedCodes(steps: readonly ToolCall[]): string[] {
  const codes: string[] = [];
  for (const step of steps) {
    const k = /check\.sh (\d+)/.exec(String(step.input.command ?? ""))?.[1];
    if (k !== undefined && unfixed(Number(k)) && !codes.includes(errorCode(Number(k)))) codes.push(errorCode(Number(k)));
  }
  return codes;
}

/**
 * The model's side: each main-agent request gets the next call, in order, whatever the request carries
 * (after a fold or a compaction the earlier results are no longer in it); then a final text.
 */
function enduranceScript(steps: () => readonly ToolCall[]): Script {
  let next = 0;
  return (req) => {
    if (!isMainAgentRequest(req)) return { text: "Summary: the session worked through its checks." };
    const step = steps()[next];
    if (step === undefined) return { text: "Done: every check was looked at." };
    next++;
    return { toolCalls: [step] };
  };
}

export interface EnduranceInput {
  readonly calls: number;
  /** Plugin options for Endless; undefined runs stock opencode. */
  readonly endless: Record<string, unknown> | undefined;
  readonly protocol: Protocol;
  readonly timeoutMs?: number;
}

export interface EnduranceResult {
  readonly exitCode: number;
  readonly sessionID: string;
  /** Main-agent requests that reached the model (not rejected), in order, with their input tokens. */
  readonly requests: readonly number[];
  /** Of those after the first, the ones whose messages start with the previous request's, byte for byte. */
  readonly prefixKept: number;
  readonly overflows: number;
  readonly compactions: number;
  readonly completedCalls: number;
  /** The last main-agent request the model answered. */
  readonly finalRequest: RecordedRequest | undefined;
  readonly steps: readonly ToolCall[];
  readonly project: string;
  /** Completed tool parts as opencode stored them. */
  readonly stored: readonly (ToolPart & { state: ToolStateCompleted })[];
  /** The plugin's archive (Endless only), opened read-only; the caller closes it. */
  readonly archive: Database | undefined;
  /** opencode's log, for assertion messages. */
  readonly logTail: string;
  readonly durationMs: number;
  /** Cleans the world up (after the caller is done with `archive`). */
  dispose(): Promise<void>;
}

/** Plays the endurance session once and returns what went over the wire and what was stored. */
export async function runEndurance(input: EnduranceInput): Promise<EnduranceResult> {
  let project = "";
  let steps: ToolCall[] = [];
  const mock = startMockAnthropic({ script: enduranceScript(() => steps), contextWindow: ENDURANCE_WINDOW.context });
  const openai = input.protocol === "openai";
  const world = await createOpencodeWorld({
    provider: {
      baseURL: mock.baseURL,
      limit: ENDURANCE_WINDOW,
      ...(openai ? { api: "openai-compatible" as const, model: "local-coder-32k" } : {}),
    },
    plugins: input.endless === undefined ? [] : [[WORKING_TREE_PLUGIN, input.endless]],
    files: enduranceProject(input.calls),
  });
  project = world.dirs.project;
  steps = enduranceSteps(project, input.calls);
  const started = performance.now();
  try {
    const run = await world.run("Work through every check: read its log and spec, fix what you can, and keep notes.", {
      title: "endurance",
      autoApprove: true,
      timeoutMs: input.timeoutMs ?? 30 * 60_000,
    });
    const durationMs = performance.now() - started;
    const sessionID = run.sessionID ?? "";
    const rejected = new Set(mock.overflows);
    const answered = mock.requests.filter((r) => isMainAgentRequest(r) && !rejected.has(r));
    const exported = sessionID === "" ? undefined : await world.exportSession(sessionID);
    const stored = (exported?.messages ?? [])
      .flatMap((m) => m.parts)
      .filter((p): p is ToolPart & { state: ToolStateCompleted } => p.type === "tool" && p.state.status === "completed");
    const archivePath = join(world.dirs.data, "opencode-endless", "archive.db");
    return {
      exitCode: run.exitCode,
      sessionID,
      requests: answered.map((r) => requestInputTokens(r.body)),
      prefixKept: prefixKept(answered),
      overflows: mock.overflows.length,
      compactions: mock.requests.filter(isCompactionRequest).length,
      completedCalls: stored.length,
      finalRequest: answered.at(-1),
      steps,
      project,
      stored,
      archive: input.endless === undefined ? undefined : new Database(archivePath, { readonly: true }),
      logTail: world.logTail(60),
      durationMs,
      dispose: async () => {
        await world.dispose();
        await mock.stop();
      },
    };
  } catch (error) {
    await world.dispose();
    await mock.stop();
    throw error;
  }
}

/** The request's messages without opencode's moving cache markers, which are not content. */
const messagesOf = (req: RecordedRequest): string[] =>
  (req.body?.messages ?? []).map((m) => JSON.stringify(m, (key, value) => (key === "cache_control" ? undefined : value)));

/** Requests that carry the previous request's messages unchanged at their start (the prompt cache holds). */
function prefixKept(requests: readonly RecordedRequest[]): number {
  let kept = 0;
  for (let k = 1; k < requests.length; k++) {
    const before = messagesOf(requests[k - 1]!);
    const after = messagesOf(requests[k]!);
    if (before.every((m, i) => after[i] === m)) kept++;
  }
  return kept;
}

/** Mean of a slice of request sizes. */
export const meanOf = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((n, v) => n + v, 0) / values.length);
