import { clip, isShort, note, observe, plural, sizeLine, whole } from "./text.ts";
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

/** JSON-aware summary for unknown and MCP tools; undefined when the output is not JSON. */
export function compressJson(call: ToolCall): Observation | undefined {
  const value = parseJson(call.output);
  if (value === undefined) return undefined;
  if (isShort(call.output)) return whole(call, "json");
  const lines = shape("", value, "", 0);
  const cut = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… shape cut after ${MAX_LINES} lines`] : lines;
  const kept = `JSON shape only (depth ${MAX_DEPTH}, ${MAX_KEYS} keys per object, values cut to ${SAMPLE_CHARS} chars)`;
  return observe(call, "json", [note(sizeLine(call.tool, call.output, kept), ...cut)]);
}
