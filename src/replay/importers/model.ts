/**
 * One normalized model for every agent-session format the replay benchmark reads.
 *
 * A session is a list of user turns; each turn is the user's text followed by the model calls ("steps") it
 * caused. A step is one request to the model: what it wrote (visible text, not hidden reasoning) and the tool
 * calls it made, each with the output that came back before the next step. The request of a step is
 * everything before it: the system text, earlier turns and steps, this turn's user text.
 *
 * @module
 */
import type { ToolCall } from "../../compress/types.ts";
import { asRecord, isRecord, type JsonRecord } from "../../json/record.ts";

export type SessionSource = "opencode" | "claude-code" | "swe-agent" | "openhands";

/** A recorded tool call; `output` is exactly what the model saw (for a failed call, the error text it was sent). */
export interface ToolCallRecord extends ToolCall {
  /** The tool failed: opencode sends these as errors, not as completed outputs. */
  readonly error?: boolean;
}

export interface Step {
  /** What the model wrote (visible text only; reasoning is not carried into later requests). */
  readonly text: string;
  readonly calls: readonly ToolCallRecord[];
  /**
   * A compaction summary: this step's request still saw everything, but every later request starts from
   * its text instead of the history before it.
   */
  readonly summary?: boolean;
}

export interface Turn {
  readonly user: string;
  readonly steps: readonly Step[];
}

export interface Session {
  readonly id: string;
  /** Short human name: the session slug or title, else the file name. */
  readonly name: string;
  readonly source: SessionSource;
  readonly file: string;
  /** System text stored with the session (empty when the format does not keep it). */
  readonly system: string;
  readonly turns: readonly Turn[];
}

export function toolCallCount(session: Session): number {
  return session.turns.reduce((n, t) => n + t.steps.reduce((m, s) => m + s.calls.length, 0), 0);
}

export function stepCount(session: Session): number {
  return session.turns.reduce((n, t) => n + t.steps.length, 0);
}

/** A file that could not be read as a session, and why. */
export interface Skipped {
  readonly file: string;
  readonly reason: string;
}

/** Raised by importers for input they cannot read; the message names the problem, not the file. */
export class SessionFormatError extends Error {
  override readonly name = "SessionFormatError";
}

export { asRecord, isRecord, type JsonRecord };

export const asString = (value: unknown): string => (typeof value === "string" ? value : "");


/** Tool arguments that arrive as a JSON string (OpenAI style) or an object; anything else is kept as text. */
export function parseArguments(value: unknown): JsonRecord {
  if (isRecord(value)) return value;
  if (typeof value !== "string" || value.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return isRecord(parsed) ? parsed : { arguments: value };
  } catch {
    return { arguments: value };
  }
}

/** A tool call whose output may not have arrived yet. */
export type PendingCall = Omit<ToolCallRecord, "output" | "error"> & { output?: string; error?: boolean };

/** A model call being read: text may come in several pieces, outputs arrive after it. */
export interface PendingStep {
  readonly text: string[];
  readonly calls: PendingCall[];
  readonly summary?: boolean;
}

/**
 * Builds turns from a flat list of events: user text opens a turn, each model call appends a step. Calls
 * whose output never arrived (interrupted, still running) are dropped at `build`: the model never saw them
 * answered.
 */
export class TurnBuilder {
  private readonly turns: { user: string; steps: PendingStep[] }[] = [];

  user(text: string): void {
    this.turns.push({ user: text, steps: [] });
  }

  step(text: string, calls: PendingCall[] = [], summary = false): PendingStep {
    if (this.turns.length === 0) this.user("");
    const step: PendingStep = { text: text === "" ? [] : [text], calls, ...(summary ? { summary } : {}) };
    this.turns.at(-1)!.steps.push(step);
    return step;
  }

  build(): Turn[] {
    return this.turns
      .filter((t) => t.user !== "" || t.steps.length > 0)
      .map((t) => ({ user: t.user, steps: t.steps.map(finishStep) }));
  }
}

function finishStep(step: PendingStep): Step {
  const calls = step.calls.flatMap((c): ToolCallRecord[] => {
    if (c.output === undefined) return [];
    const record = { callID: c.callID, tool: c.tool, input: c.input, output: c.output };
    return [c.error ? { ...record, error: true } : record];
  });
  return { text: step.text.join("\n"), calls, ...(step.summary ? { summary: true } : {}) };
}
