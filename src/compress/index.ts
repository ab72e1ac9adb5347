import { formatCount } from "../format/number.ts";
import { compressBash } from "./bash.ts";
import { compressJson, unwrappedText } from "./json-shape.ts";
import { compressNumberedFile, compressRead } from "./read.ts";
import { compressGrep, compressPaths } from "./search.ts";
import { headTailCompress, inputString, REPORT_EXCERPT, splitsPair, whole } from "./text.ts";
import type { Observation, ToolCall } from "./types.ts";
import { compressWebfetch } from "./web.ts";

export { COMPRESSOR_VERSION } from "./text.ts";

/** Tools whose outputs are short confirmations; they are kept whole. */
const KEPT_WHOLE = new Set(["edit", "write", "apply_patch", "multiedit", "patch", "todowrite", "todoread"]);

/**
 * The compressor family of a tool name: opencode's own names, and the capitalised names other agents give
 * the same tools (Bash, Read, Grep, Glob; Agent and Task for sub-agent reports).
 */
export function toolFamily(tool: string): string {
  const name = tool.toLowerCase();
  return name === "agent" ? "task" : name;
}

async function dispatch(call: ToolCall): Promise<Observation> {
  switch (toolFamily(call.tool)) {
    case "bash":
      return compressBash(call);
    case "read":
      return (await compressRead(call)) ?? headTailCompress(call, "generic");
    case "grep":
      return compressGrep(call);
    case "glob":
    case "list":
      return compressPaths(call);
    case "webfetch":
      return compressWebfetch(call);
    case "task":
      return headTailCompress(call, "task", 60, 20, REPORT_EXCERPT);
    default:
      if (KEPT_WHOLE.has(toolFamily(call.tool))) return whole(call, call.tool);
      return (await compressText(call)) ?? compressJson(call) ?? headTailCompress(call, "generic");
  }
}

/**
 * Plain text inside an MCP tool's JSON wrapper is compressed as text: a numbered file gets the read
 * observation, anything else head and tail. The handle then counts the lines of that text.
 */
async function compressText(call: ToolCall): Promise<Observation | undefined> {
  const text = unwrappedText(call.output);
  if (text === undefined) return undefined;
  const inner = { ...call, output: text };
  return (await compressNumberedFile(inner)) ?? headTailCompress(inner, "generic");
}

/**
 * An observation must take at least this share of the output away. One that keeps more has cut the output's
 * detail (lines an agent may need verbatim) for a few tokens: the output is kept whole instead (its handle
 * then says nothing was left out, and the engine sends it as it is).
 */
const MIN_SAVING = 0.5;

/**
 * What the compressors read of one output at most, in characters: its head and its tail, half each. Whole,
 * a 10 MB output took them 1-2 s, inside a request's transform; the archive keeps every byte.
 */
export const INPUT_CAP_CHARS = 128 * 1024;

/**
 * The call with its output cut to its head and tail within the cap (at line ends when there are any), and
 * the note that says what was left out.
 */
function capped(call: ToolCall): { call: ToolCall; note?: string } {
  const output = call.output;
  if (output.length <= INPUT_CAP_CHARS) return { call };
  const half = INPUT_CAP_CHARS / 2;
  let headEnd = output.lastIndexOf("\n", half) + 1 || half;
  if (splitsPair(output, headEnd)) headEnd--;
  const lineStart = output.indexOf("\n", output.length - half) + 1;
  let tailStart = lineStart > 0 && lineStart < output.length ? lineStart : output.length - half;
  if (splitsPair(output, tailStart)) tailStart++;
  const note = `[endless: this output is ${formatCount(output.length)} characters; only its first ${formatCount(headEnd)} and last ${formatCount(output.length - tailStart)} were compressed, the ${formatCount(tailStart - headEnd)} between were left out unread; recall returns the whole output]`;
  return { call: { ...call, output: `${output.slice(0, headEnd)}${output.slice(tailStart)}` }, note };
}

/**
 * The observation the model sees instead of `call.output`. Deterministic (same call, same text) and never
 * throws: any failure of a specialised compressor falls back to the generic head/tail. A huge output is
 * compressed from its head and tail (`INPUT_CAP_CHARS`), and the observation says what was left out.
 */
export async function compress(call: ToolCall): Promise<Observation> {
  const { call: read, note } = capped(call);
  let observation: Observation;
  try {
    observation = await dispatch(read);
  } catch {
    observation = headTailCompress(read, "generic");
  }
  if (note !== undefined) observation = { ...observation, text: `${note}\n${observation.text}` };
  return observation.text.length > call.output.length * (1 - MIN_SAVING) ? whole(call, observation.method) : observation;
}

const text = (call: ToolCall, key: string): string | null => inputString(call, key) ?? null;
const number = (call: ToolCall, key: string): number | null => {
  const value = call.input[key];
  return typeof value === "number" ? value : null;
};

/** The input fields that identify what a call observed, the first one required; undefined for other tools. */
function identity(call: ToolCall): readonly (string | number | null)[] | undefined {
  switch (call.tool) {
    case "read":
      return [text(call, "filePath"), number(call, "offset"), number(call, "limit")];
    case "bash":
      return [text(call, "command"), text(call, "workdir")];
    case "grep":
      return [text(call, "pattern"), text(call, "path"), text(call, "include")];
    case "glob":
      return [text(call, "pattern"), text(call, "path")];
    default:
      return undefined;
  }
}

/**
 * Identity for collapsing repeats: a newer call with the same key supersedes the older copy. Only for calls
 * that observe state (reads, searches, commands); undefined for tools that change things or must never collapse.
 */
export function supersedeKey(call: ToolCall): string | undefined {
  const parts = identity(call);
  return parts && parts[0] !== null ? JSON.stringify([call.tool, ...parts]) : undefined;
}
