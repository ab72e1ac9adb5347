import {
  asRecord,
  asString,
  isRecord,
  type JsonRecord,
  parseArguments,
  type PendingCall,
  type PendingStep,
  type Session,
  SessionFormatError,
  TurnBuilder,
} from "./model.ts";
import { nameFromPath } from "./names.ts";

/** The event list of an OpenHands trajectory: a bare list, or under `events` / `trajectory`. */
function eventsOf(data: unknown): unknown[] | undefined {
  if (Array.isArray(data)) return data;
  if (isRecord(data)) {
    if (Array.isArray(data.events)) return data.events;
    if (Array.isArray(data.trajectory)) return data.trajectory;
  }
  return undefined;
}

/** Is this parsed JSON an OpenHands event stream (events with a source and an action or observation)? */
export function looksLikeOpenHands(data: unknown): boolean {
  const events = eventsOf(data);
  return (
    events !== undefined &&
    events.length > 0 &&
    events.every((e) => isRecord(e) && typeof e.source === "string" && ("action" in e || "observation" in e))
  );
}

/** The model response behind an agent action: its text and the arguments of the named call. */
function modelResponse(action: JsonRecord): { id: string; text: string; args: Map<string, JsonRecord> } {
  const meta = asRecord(action.tool_call_metadata);
  const response = asRecord(meta.model_response);
  const choice = Array.isArray(response.choices) ? asRecord(response.choices[0]) : {};
  const message = asRecord(choice.message);
  const args = new Map<string, JsonRecord>();
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : []) {
    args.set(asString(call.id), parseArguments(asRecord(call.function).arguments));
  }
  return { id: asString(response.id), text: asString(message.content), args };
}

/**
 * Reads an OpenHands trajectory (the event stream: actions and observations). User messages open turns;
 * agent actions of one model response form one step; an observation is the output of the action it names
 * as its `cause`. Environment events (agent state changes) are left out.
 */
export function importOpenHands(data: unknown, file: string): Session {
  if (!looksLikeOpenHands(data)) {
    throw new SessionFormatError("not an OpenHands trajectory: expected a list of action/observation events");
  }
  const turns = new TurnBuilder();
  const byAction = new Map<number, PendingCall>();
  const steps = new Map<string, PendingStep>();
  for (const event of (eventsOf(data) ?? []).filter(isRecord)) {
    const args = asRecord(event.args);
    if (event.source === "user" && event.action === "message") {
      turns.user(asString(args.content) || asString(event.message));
      continue;
    }
    if (event.source !== "agent") continue;
    if (typeof event.observation === "string") {
      const call = byAction.get(Number(event.cause));
      if (call) call.output = asString(event.content);
      continue;
    }
    if (typeof event.action !== "string") continue;
    const meta = asRecord(event.tool_call_metadata);
    const response = modelResponse(event);
    const key = response.id || `event-${String(event.id)}`;
    let step = steps.get(key);
    if (!step) {
      const text = response.text || asString(args.thought) || asString(args.content) || asString(args.final_thought);
      step = turns.step(text);
      steps.set(key, step);
    }
    const callID = asString(meta.tool_call_id);
    if (callID === "") continue;
    const call: PendingCall = { callID, tool: asString(meta.function_name), input: response.args.get(callID) ?? args };
    byAction.set(Number(event.id), call);
    step.calls.push(call);
  }
  return { id: file, name: nameFromPath(file), source: "openhands", file, system: "", turns: turns.build() };
}
