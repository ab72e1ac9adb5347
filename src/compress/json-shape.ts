import { clip, DEFAULT_NAMES, isShort, note, observe, plural, sizeLine, whole } from "./text.ts";
import type { Observation, ToolCall } from "./types.ts";

const MAX_DEPTH = 4;
const MAX_KEYS = 30;
const MAX_LINES = 150;
const SAMPLE_CHARS = 80;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: Json): value is { [key: string]: Json } =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const scalar = (value: Json): string => (typeof value === "string" ? JSON.stringify(clip(value, SAMPLE_CHARS)) : String(value));

/** Keys that some items of an array have but its first item lacks, so the sample does not hide fields. */
function extraKeys(items: readonly Json[]): string[] {
  const first = items[0];
  if (first === undefined || !isObject(first)) return [];
  const extra = new Set<string>();
  for (const item of items.slice(1, 50)) {
    if (isObject(item)) for (const key of Object.keys(item)) if (!(key in first)) extra.add(key);
  }
  return [...extra];
}

function arrayShape(prefix: string, items: readonly Json[], indent: string, depth: number): string[] {
  if (items.length === 0) return [`${prefix}[]`];
  const count = `[${plural(items.length, "item")}]`;
  if (items.every((item) => item === null || typeof item !== "object")) {
    const samples = items.slice(0, 3).map(scalar).join(", ");
    return [`${prefix}${count} e.g. ${samples}${items.length > 3 ? ", …" : ""}`];
  }
  if (depth >= MAX_DEPTH) return [`${prefix}${count}`];
  const extra = extraKeys(items);
  const others = extra.length > 0 ? `; other items also have: ${extra.slice(0, 10).join(", ")}` : "";
  return [`${prefix}${count}, first item${others}:`, ...shape("", items[0] ?? null, `${indent}  `, depth + 1)];
}

/** A depth-limited sketch of a JSON value: keys, array lengths, truncated sample values. */
function shape(key: string, value: Json, indent: string, depth: number): string[] {
  const prefix = `${indent}${key === "" ? "" : `${key}: `}`;
  if (Array.isArray(value)) return arrayShape(prefix, value, indent, depth);
  if (!isObject(value)) return [`${prefix}${scalar(value)}`];
  const keys = Object.keys(value);
  if (keys.length === 0) return [`${prefix}{}`];
  if (depth >= MAX_DEPTH) return [`${prefix}{${plural(keys.length, "key")}: ${clip(keys.join(", "), 100)}}`];
  const members = keys.slice(0, MAX_KEYS).flatMap((k) => shape(JSON.stringify(k), value[k] ?? null, `${indent}  `, depth + 1));
  const more = keys.length > MAX_KEYS ? [`${indent}  … +${keys.length - MAX_KEYS} more keys`] : [];
  return [`${prefix}{`, ...members, ...more, `${indent}}`];
}

function parseJson(text: string): Json | undefined {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return undefined;
  try {
    return JSON.parse(trimmed) as Json;
  } catch {
    return undefined;
  }
}

/** The text blocks of an MCP-style result: `{"text": …}`, `{"content": [{"type": "text", "text": …}]}` or a list of blocks. */
function textBlocks(value: Json): string[] | undefined {
  if (Array.isArray(value)) {
    const texts = value.map((item) => (isObject(item) && typeof item.text === "string" ? item.text : undefined));
    return texts.length > 0 && texts.every((t) => t !== undefined) ? (texts as string[]) : undefined;
  }
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 1 && typeof value[keys[0]!] === "string") return [value[keys[0]!] as string];
  return "content" in value ? textBlocks(value.content ?? null) : undefined;
}

/**
 * The plain text an MCP tool wrapped in JSON, when that text is nearly all of the output (a file, search
 * results, a report); undefined for real data, whose shape is the better summary.
 */
export function unwrappedText(output: string): string | undefined {
  const value = parseJson(output);
  const blocks = value === undefined ? undefined : textBlocks(value);
  const text = blocks?.join("\n");
  return text !== undefined && text.length >= output.length / 2 ? text : undefined;
}

/** JSON-aware summary for unknown and MCP tools; undefined when the output is not JSON. */
export function compressJson(call: ToolCall): Observation | undefined {
  const value = parseJson(call.output);
  if (value === undefined) return undefined;
  if (isShort(call.output)) return whole(call, "json");
  const lines = shape("", value, "", 0);
  const cut = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… shape cut after ${MAX_LINES} lines`] : lines;
  const kept = `JSON shape only (depth ${MAX_DEPTH}, ${MAX_KEYS} keys per object, values cut to ${SAMPLE_CHARS} chars)`;
  return observe(call, "json", [note(sizeLine(call.tool, kept), ...cut)], DEFAULT_NAMES);
}
