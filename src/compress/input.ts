import { isRecord } from "../json/record.ts";
import { lineCount, recallCall } from "./handle.ts";
import { headOf } from "./text.ts";

/**
 * Stand-ins for the bulky text an older tool call carried in its input: a written file's content, an
 * edit's old and new strings, a patch. Pure and deterministic, like the output compressors.
 *
 * Only the bulky string fields are replaced, each by a string; every other field (filePath, replaceAll, …)
 * stays as it was, so the input keeps its tool's schema shape.
 *
 * @module
 */

/**
 * Input keys whose string values are text the tool consumed rather than a parameter: opencode's write, edit,
 * multiedit and apply_patch; Claude Code's Write, Edit and MultiEdit; SWE-agent's str_replace_editor.
 */
const BULKY_KEYS: ReadonlySet<string> = new Set([
  "content",
  "file_text",
  "oldString",
  "newString",
  "old_string",
  "new_string",
  "old_str",
  "new_str",
  "patchText",
]);

/** Keys holding a list of edits (multiedit, MultiEdit) whose items have bulky fields. */
const EDIT_LISTS: ReadonlySet<string> = new Set(["edits"]);

/** Preview lines shown from the start of an elided text. */
const PREVIEW_LINES = 2;
/** File lines (patch headers) shown for an elided patch. */
const PREVIEW_FILES = 6;
const PREVIEW_WIDTH = 100;

export type ToolInput = Readonly<Record<string, unknown>>;

/** One elided field: where it was (`content`, `edits[1].newString`) and its full text. */
export interface ElidedField {
  readonly path: string;
  readonly text: string;
}

export interface ElidedInput {
  /** The input as sent: same keys in the same order, bulky fields replaced by their stand-ins. */
  readonly input: Record<string, unknown>;
  /** The fields replaced, in the order they appear. */
  readonly fields: readonly ElidedField[];
}


const clip = (line: string): string => (line.length > PREVIEW_WIDTH ? `${headOf(line, PREVIEW_WIDTH)}…` : line);

const PATCH_FILE = /^(?:\*\*\* (?:Add|Update|Delete) File: |\*\*\* Move to: |\+\+\+ |diff --git )/;

/** What the stand-in shows of the text: a patch's file lines, else its first non-blank lines. */
function preview(text: string): { label: string; lines: string[] } {
  const lines = text.split("\n").map((l) => l.trimEnd());
  const files = lines.filter((l) => PATCH_FILE.test(l));
  if (files.length > 0) {
    const more = files.length > PREVIEW_FILES ? [`… and ${files.length - PREVIEW_FILES} more`] : [];
    return { label: "Files:", lines: [...files.slice(0, PREVIEW_FILES).map(clip), ...more] };
  }
  return { label: "It began:", lines: lines.filter((l) => l.trim() !== "").slice(0, PREVIEW_LINES).map(clip) };
}

/** The handle that brings an elided input back. */
export function inputRecallHandle(callID: string): string {
  return recallCall(callID, { part: "input" });
}

/** The string sent in place of one bulky field. */
export function inputStandIn(callID: string, field: ElidedField): string {
  const { label, lines } = preview(field.text);
  const size = `${lineCount(field.text)} lines, ${Buffer.byteLength(field.text, "utf8")} bytes`;
  return [
    `[endless: ${field.path} elided from this earlier call (${size}); the tool received it in full. ${label}`,
    ...lines,
    `Full text: ${inputRecallHandle(callID)}]`,
  ].join("\n");
}

/** The bulky string fields of an input (top level, and in each item of an edit list), in key order. */
export function bulkyFields(input: ToolInput): ElidedField[] {
  const fields: ElidedField[] = [];
  const visit = (record: Readonly<Record<string, unknown>>, prefix: string) => {
    for (const [key, value] of Object.entries(record)) {
      if (typeof value === "string" && BULKY_KEYS.has(key)) {
        fields.push({ path: `${prefix}${key}`, text: value });
      } else if (prefix === "" && EDIT_LISTS.has(key) && Array.isArray(value)) {
        value.forEach((item, i) => {
          if (isRecord(item)) visit(item, `${key}[${i}].`);
        });
      }
    }
  };
  visit(input, "");
  return fields;
}

/** Sets the value at a field path made by `bulkyFields`, copying only the objects on the way. */
function replaced(input: ToolInput, path: string, value: string): Record<string, unknown> {
  const nested = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(path);
  if (nested === null) return { ...input, [path]: value };
  const [, list, index, key] = nested;
  const items = [...(input[list!] as unknown[])];
  items[Number(index)] = { ...(items[Number(index)] as Record<string, unknown>), [key!]: value };
  return { ...input, [list!]: items };
}

/**
 * The input with each bulky field replaced by its stand-in (which says what was elided and how to get it
 * back), or undefined when no field is worth it: a stand-in is only used where it is at most half as long as
 * the text it replaces, so short edit strings stay as they are.
 */
export function elideInput(callID: string, input: ToolInput): ElidedInput | undefined {
  let sent: Record<string, unknown> = { ...input };
  const fields: ElidedField[] = [];
  for (const field of bulkyFields(input)) {
    const standIn = inputStandIn(callID, field);
    if (standIn.length * 2 > field.text.length) continue;
    sent = replaced(sent, field.path, standIn);
    fields.push(field);
  }
  return fields.length === 0 ? undefined : { input: sent, fields };
}
