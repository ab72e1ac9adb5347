import {
  asRecord,
  asString,
  isRecord,
  type JsonRecord,
  type Session,
  SessionFormatError,
  type PendingCall,
  TurnBuilder,
} from "./model.ts";

/** Is this parsed JSON an `opencode export` document ({ info, messages: [{ info, parts }] })? */
export function looksLikeOpencode(data: unknown): boolean {
  return isRecord(data) && isRecord(data.info) && Array.isArray(data.messages);
}

function toolCall(part: JsonRecord): PendingCall | undefined {
  const state = asRecord(part.state);
  const base = { callID: asString(part.callID), tool: asString(part.tool), input: asRecord(state.input) };
  if (state.status === "completed") return { ...base, output: asString(state.output) };
  if (state.status === "error") return { ...base, output: asString(state.error), error: true };
  return undefined; // pending or running: never returned to the model
}

const textOf = (parts: readonly JsonRecord[]): string =>
  parts
    .filter((p) => p.type === "text" && p.ignored !== true)
    .map((p) => asString(p.text))
    .filter((t) => t !== "")
    .join("\n");

/**
 * Reads an `opencode export` JSON document. Each assistant message is one model call (one step); reasoning
 * parts are left out (encrypted or not carried forward); a compaction summary message resets the history.
 */
export function importOpencode(data: unknown, file: string): Session {
  if (!looksLikeOpencode(data)) throw new SessionFormatError("not an opencode export: expected { info, messages }");
  const doc = data as { info: JsonRecord; messages: unknown[] };
  const turns = new TurnBuilder();
  doc.messages.forEach((message, index) => {
    if (!isRecord(message) || !isRecord(message.info) || !Array.isArray(message.parts)) {
      throw new SessionFormatError(`messages[${index}] is not { info, parts: [...] }`);
    }
    const parts = message.parts.filter(isRecord);
    if (message.info.role === "user") {
      turns.user(textOf(parts));
      return;
    }
    if (message.info.role !== "assistant" || parts.length === 0) return; // aborted before it started
    const calls = parts.filter((p) => p.type === "tool").flatMap((p) => toolCall(p) ?? []);
    turns.step(textOf(parts), calls, message.info.summary === true);
  });
  const id = asString(doc.info.id) || file;
  return {
    id,
    name: asString(doc.info.slug) || asString(doc.info.title) || id,
    source: "opencode",
    file,
    system: "",
    turns: turns.build(),
  };
}
