import { lineCount, omittedBetween, recallCall, recallHandle } from "./handle.ts";
import { headOf } from "./text.ts";
import type { ToolCall } from "./types.ts";

/**
 * What an output longer than `maxChars` is sent as, the first time the model sees it too: its first lines
 * up to the cap, a note that says where they stop and how to page on, and the observation of the whole
 * output, which says what the rest holds (errors and test failures at the end included). The archive keeps
 * the whole output. opencode cuts outputs at 50 KB and Claude Code bash output at 30,000 characters, losing
 * the rest; one output of that size is 40% of a 32k window. Undefined when the output fits (or `maxChars`
 * is 0). Pure: the same call, observation and cap give the same bytes on every request.
 */
export function firstSightView(call: ToolCall, observation: string, maxChars: number): string | undefined {
  const output = call.output;
  if (maxChars === 0 || output.length <= maxChars) return undefined;
  // An observation of more than half the cap (an output the compressors keep whole) is left to recall.
  const withObservation = observation.length <= maxChars / 2;
  const room = withObservation ? maxChars - observation.length : maxChars;
  const lineEnd = output.lastIndexOf("\n", room);
  const head = lineEnd > 0 ? output.slice(0, lineEnd) : headOf(output, room);
  const shown = lineCount(head);
  // Recall pages the archived text by lines: the next page starts after the last whole line shown. When
  // opencode cut the output, the archive holds the whole text it saved, whose lines are numbered otherwise.
  const cutByOpencode = call.metadata?.truncated === true;
  const pageOn = cutByOpencode
    ? `the whole output, with what opencode cut, is archived: ${recallCall(call.callID)} pages through it`
    : `the whole output is archived: ${recallCall(call.callID, lineEnd > 0 ? { offset: shown } : {})} pages on from there`;
  const note = `[endless: this output is ${lineCount(output)} lines, ${output.length} characters; the first ${shown} lines are shown, ${pageOn}${withObservation ? "; its observation, of the whole output, follows" : ""}]`;
  const tail = withObservation ? observation : recallHandle(call.callID, output, omittedBetween(output, head));
  return `${head}\n${note}\n${tail}`;
}
