import {
  asRecord,
  asString,
  isRecord,
  type PendingCall,
  type PendingStep,
  type Session,
  SessionFormatError,
  TurnBuilder,
} from "./model.ts";
import { nameFromPath } from "./names.ts";

/** Parses JSONL; a torn last line (a transcript still being written) is dropped, any other bad line is an error. */
export function parseJsonLines(text: string): unknown[] {
  const lines = text.split("\n");
  const entries: unknown[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      entries.push(JSON.parse(line));
    } catch {
      const isLast = lines.slice(index + 1).every((l) => l.trim() === "");
      if (!isLast || entries.length === 0) throw new SessionFormatError(`line ${index + 1} is not valid JSON`);
    }
  });
  return entries;
}

/** Is this a Claude Code transcript: entries with type user/assistant carrying an API message? */
export function looksLikeClaudeCode(entries: readonly unknown[]): boolean {
  return entries.some((e) => isRecord(e) && (e.type === "user" || e.type === "assistant") && isRecord(e.message));
}

/** Every entry that carries a message is a sidechain: the transcript of one sub-agent run. */
const isSubAgentTranscript = (entries: readonly unknown[]): boolean => {
  const messages = entries.filter((e) => isRecord(e) && isRecord(e.message));
  return messages.length > 0 && messages.every((e) => (e as Record<string, unknown>).isSidechain === true);
};

/** A tool_result's content: a string, or blocks (text, tool references, images). */
function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isRecord)
    .map((block) => {
      if (block.type === "text") return asString(block.text);
      if (block.type === "tool_reference") return asString(block.tool_name);
      return `[${asString(block.type) || "block"}]`;
    })
    .join("\n");
}

/**
 * Claude Code flags a shell command that exited non-zero as an error; opencode (whose plugin the replay
 * runs) sends such output as a completed result, so it is one here too.
 */
const isShellExit = (tool: string, output: string): boolean => tool === "Bash" && /^Exit code \d+/.test(output);

/**
 * Reads a Claude Code session transcript (~/.claude/projects/<project>/<session>.jsonl). Entries are taken
 * in file order, sub-agent (sidechain) entries and attachments left out. Assistant entries of one API message
 * id form one step; tool results are matched to their tool_use by id; thinking blocks are left out. A
 * sub-agent's own transcript (`agent-*.jsonl`, every entry a sidechain) is a session of its own: there the
 * sidechain entries are the session.
 */
export function importClaudeCode(entries: readonly unknown[], file: string): Session {
  if (!looksLikeClaudeCode(entries)) {
    throw new SessionFormatError("not a Claude Code transcript: no user or assistant entries with a message");
  }
  const turns = new TurnBuilder();
  const calls = new Map<string, PendingCall>();
  const steps = new Map<string, PendingStep>();
  let sessionID = "";
  const subAgent = isSubAgentTranscript(entries);
  for (const entry of entries) {
    if (!isRecord(entry) || (entry.isSidechain === true && !subAgent) || !isRecord(entry.message)) continue;
    sessionID ||= asString(entry.sessionId);
    const content = entry.message.content;
    if (entry.type === "user") {
      if (typeof content === "string") {
        turns.user(content);
        continue;
      }
      const blocks = Array.isArray(content) ? content.filter(isRecord) : [];
      for (const block of blocks.filter((b) => b.type === "tool_result")) {
        const call = calls.get(asString(block.tool_use_id));
        if (call) {
          const output = resultText(block.content);
          Object.assign(call, { output, error: block.is_error === true && !isShellExit(call.tool, output) });
        }
      }
      const text = blocks.filter((b) => b.type === "text").map((b) => asString(b.text)).join("\n");
      if (text !== "") turns.user(text);
      continue;
    }
    if (entry.type !== "assistant" || entry.message.model === "<synthetic>") continue;
    const messageID = asString(entry.message.id) || asString(entry.uuid);
    let step = steps.get(messageID);
    if (!step) {
      step = turns.step("");
      steps.set(messageID, step);
    }
    for (const block of Array.isArray(content) ? content.filter(isRecord) : []) {
      if (block.type === "text" && asString(block.text) !== "") step.text.push(asString(block.text));
      if (block.type !== "tool_use") continue;
      const call: PendingCall = { callID: asString(block.id), tool: asString(block.name), input: asRecord(block.input) };
      calls.set(call.callID, call);
      step.calls.push(call);
    }
  }
  return { id: sessionID || file, name: nameFromPath(file), source: "claude-code", file, system: "", turns: turns.build() };
}
