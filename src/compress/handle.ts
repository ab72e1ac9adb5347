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
 * The last line of every observation. It names the call id, which is the tool_use id the model saw and the
 * archive key, so `recall({"id": ...})` brings the original back.
 */
export function recallHandle(callID: string, original: string, omitted: Omitted): string {
  return `[endless: ${omitted.lines} of ${lineCount(original)} lines left out; ${RECALL_TOOL}({"id":"${callID}"})]`;
}

const SUPERSEDED = "[endless: superseded by the newer ";

/** The one-line stand-in for an older copy of the same read or command. */
export function supersededPointer(older: ToolCall, newerCallID: string): string {
  return `${SUPERSEDED}${older.tool} call ${newerCallID} with the same input; this copy: ${RECALL_TOOL}({"id":"${older.callID}"})]`;
}

export const isSupersededPointer = (text: string): boolean => text.startsWith(SUPERSEDED);
