import { RECALL_TOOL } from "../config/schema.ts";
import type { ToolCall } from "./types.ts";

/** What an observation left out of the original, stated in the handle so the model can judge a recall. */
export interface Omitted {
  readonly lines: number;
}

export const lineCount = (text: string): number => (text.length === 0 ? 0 : text.split("\n").length);

/** Lines of `original` that `kept` does not carry. */
export function omittedBetween(original: string, kept: string): Omitted {
  return { lines: Math.max(0, lineCount(original) - lineCount(kept)) };
}

/**
 * The exact recall call that brings a call's archived output back (its elided input, with `part`), from
 * `offset` lines on: one spelling for every handle, note and page that names one.
 */
export function recallCall(callID: string, more: { readonly part?: "input"; readonly offset?: number } = {}): string {
  const part = more.part === undefined ? "" : `,"part":"${more.part}"`;
  const offset = more.offset === undefined ? "" : `,"offset":${more.offset}`;
  return `${RECALL_TOOL}({"id":"${callID}"${part}${offset}})`;
}

/**
 * The last line of every observation. It names the call id, which is the tool_use id the model saw and the
 * archive key, so `recall({"id": ...})` brings the original back.
 */
export function recallHandle(callID: string, original: string, omitted: Omitted): string {
  return `[endless: ${omitted.lines} of ${lineCount(original)} lines left out; ${recallCall(callID)}]`;
}

const SUPERSEDED = "[endless: superseded by the newer ";

/** The one-line stand-in for an older copy of the same read or command. */
export function supersededPointer(older: ToolCall, newerCallID: string): string {
  return `${SUPERSEDED}${older.tool} call ${newerCallID} with the same input; this copy: ${recallCall(older.callID)}]`;
}

export const isSupersededPointer = (text: string): boolean => text.startsWith(SUPERSEDED);
