import {
  asRecord,
  asString,
  isRecord,
  type JsonRecord,
  parseArguments,
  type PendingCall,
  type Session,
  SessionFormatError,
  TurnBuilder,
} from "./model.ts";
import { nameFromPath } from "./names.ts";

/** Is this parsed JSON a SWE-agent trajectory (a `.traj` with a `history` or `trajectory` list)? */
export function looksLikeSweAgent(data: unknown): boolean {
  return isRecord(data) && (Array.isArray(data.history) || Array.isArray(data.trajectory));
}

/** Message content: a string or a list of { type: "text", text } blocks. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.filter(isRecord).map((b) => asString(b.text)).join("\n");
}

/** Older files have only `trajectory` steps: rebuild the message list the model saw from them. */
function historyFromTrajectory(steps: readonly unknown[]): JsonRecord[] {
  return steps.filter(isRecord).flatMap((s) => [
    { role: "assistant", content: asString(s.response), thought: s.thought, action: s.action },
    { role: "user", content: asString(s.observation) },
  ]);
}

/** The calls of one assistant message: its function calls, or its one shell action. */
function callsOf(message: JsonRecord, index: number): PendingCall[] {
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : [];
  if (toolCalls.length > 0) {
    return toolCalls.map((c, i) => {
      const fn = asRecord(c.function);
      return { callID: asString(c.id) || `step-${index}-${i}`, tool: asString(fn.name) || "bash", input: parseArguments(fn.arguments) };
    });
  }
  const action = asString(message.action).trim();
  // Every SWE-agent action is a shell command line (its special commands are shell functions).
  return action === "" ? [] : [{ callID: `step-${index}`, tool: "bash", input: { command: action } }];
}

/**
 * Reads a SWE-agent `.traj`. Its `history` is the message list the model saw: system text, the task, then
 * alternating actions (assistant) and observations (user or tool). Each assistant message is one step; the
 * observation that follows is the output of its action.
 */
export function importSweAgent(data: unknown, file: string): Session {
  if (!looksLikeSweAgent(data)) throw new SessionFormatError("not a SWE-agent trajectory: expected { history: [...] }");
  const doc = data as JsonRecord;
  const history = Array.isArray(doc.history) ? doc.history.filter(isRecord) : historyFromTrajectory(doc.trajectory as unknown[]);
  const turns = new TurnBuilder();
  const system: string[] = [];
  let waiting: PendingCall[] = [];
  history.forEach((message, index) => {
    const text = contentText(message.content);
    if (message.role === "system") {
      system.push(text);
      return;
    }
    if (message.role === "assistant") {
      const calls = callsOf(message, index);
      const said = Array.isArray(message.tool_calls) && message.tool_calls.length > 0 ? text : asString(message.thought) || text;
      turns.step(said, calls);
      waiting = [...calls];
      return;
    }
    const ids = Array.isArray(message.tool_call_ids) ? message.tool_call_ids.map(asString) : [];
    const answered = waiting.find((c) => ids.includes(c.callID)) ?? waiting[0];
    if (answered === undefined) {
      turns.user(text);
      return;
    }
    answered.output = text;
    waiting = waiting.filter((c) => c !== answered);
  });
  return { id: file, name: nameFromPath(file), source: "swe-agent", file, system: system.join("\n"), turns: turns.build() };
}
