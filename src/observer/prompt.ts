/**
 * @module
 * The compression prompt and the checks an LLM observation must pass. The prompt is versioned: an
 * observation is stored under the version that wrote it, so a changed prompt never serves old answers.
 */
import { lineCount, recallCall } from "../compress/handle.ts";
import type { ToolCall } from "../compress/types.ts";

/** Bump on any change to SYSTEM_PROMPT or buildPrompt: cached observations are keyed by it. */
export const PROMPT_VERSION = 1;

/** Outputs longer than this are sent as head and tail (a model's window, and the bill, are finite). */
const MAX_OUTPUT_CHARS = 60_000;
const MAX_INPUT_CHARS = 2_000;

export const SYSTEM_PROMPT = [
  "You compress one tool call's output for a coding agent. The agent will see your text instead of the output,",
  "and can fetch the full output again if it must. Write what the agent needs later, as plain text:",
  "- the facts: file paths, identifiers, numbers, counts, versions, exit status, error and warning messages (verbatim),",
  "  test names that failed, and what was searched for and NOT found;",
  "- the shape: what kind of output it is and how many lines/items, in one short line;",
  "- nothing that is not in the output: no guesses, no advice, no next steps, no paths or names you do not see.",
  "Be brief: a few lines, never more than the output itself. No preamble, no markdown headings.",
].join("\n");

function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n[… ${text.length - max} characters left out …]\n${text.slice(-half)}`;
}

/** The user message: what was asked (tool and input) and what came back. */
export function buildPrompt(call: ToolCall): string {
  const input = bounded(JSON.stringify(call.input), MAX_INPUT_CHARS);
  const exit = typeof call.metadata?.exit === "number" ? ` (exit code ${call.metadata.exit})` : "";
  return [
    `Tool: ${call.tool}`,
    `Input: ${input}`,
    `Output${exit}, ${lineCount(call.output)} lines:`,
    "<output>",
    bounded(call.output, MAX_OUTPUT_CHARS),
    "</output>",
  ].join("\n");
}

/** The last line of an LLM observation: like the fast compressors' handle, it names the call for recall. */
export function llmHandle(call: ToolCall): string {
  return `[endless: model summary of ${lineCount(call.output)} lines; full output: ${recallCall(call.callID)}]`;
}

const REFUSAL = /^\s*(i['’]m sorry|i am sorry|sorry,|i can(no|['’])t|i am unable|i['’]m unable|as an ai\b)/i;
/** Path-like words: a slash between name characters, with an optional leading ./ ../ or /. */
const PATH = /(?:\.{1,2}\/|\/)?(?:[\w@.+-]+\/)+[\w@.+-]+/g;

export type Checked = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Whether a model's answer may stand in for the output: not empty, not a refusal, and naming no path that
 * is not in the call (a made-up path sends the agent after a file that does not exist). The accepted text
 * gets the recall handle.
 */
export function checkObservation(answer: string, call: ToolCall): Checked {
  const text = answer.trim();
  if (text.length === 0) return { ok: false, reason: "empty answer" };
  if (REFUSAL.test(text)) return { ok: false, reason: "the model refused" };
  const seen = `${call.output}\n${JSON.stringify(call.input)}`;
  for (const match of text.matchAll(PATH)) {
    const path = match[0].replace(/[.,:;]+$/, "");
    if (!seen.includes(path) && !seen.includes(path.replace(/^\.\//, ""))) return { ok: false, reason: `names a path not in the output: ${path}` };
  }
  return { ok: true, text: `${text}\n${llmHandle(call)}` };
}
