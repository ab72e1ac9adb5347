import type { Database } from "bun:sqlite";
import { searchToolCalls } from "../archive/search.ts";
import { findToolCall } from "../archive/tool-calls.ts";
import { RECALL_TOOL } from "../config/schema.ts";
import { recallCall } from "../compress/handle.ts";
import { elideInput } from "../compress/input.ts";
import { DEFAULT_PAGE_LINES, pageLines } from "./page.ts";

/** Which half of an archived call `recall` by id returns. */
export const RECALL_PARTS = ["output", "input"] as const;
export type RecallPart = (typeof RECALL_PARTS)[number];

export interface RecallArgs {
  id?: string;
  query?: string;
  /** With id: "output" (the default) or "input" (the fields an input stand-in elided). */
  part?: RecallPart;
  offset?: number;
  limit?: number;
}

const SEARCH_LIMIT = 10;

/** Messages the model can act on: each says what was wrong and what call to make instead. */
export const RecallErrors = {
  neither: `${RECALL_TOOL}: give "id" (the call id from an observation's handle, e.g. ${RECALL_TOOL}({"id":"toolu_..."})) or a non-empty "query" to search this session's archived tool outputs.`,
  both: `${RECALL_TOOL}: give "id" or "query", not both.`,
  partWithoutId: `${RECALL_TOOL}: "part" goes with "id" (e.g. ${RECALL_TOOL}({"id":"toolu_...","part":"input"})); a search with "query" covers archived outputs only.`,
  unknownId: (id: string) =>
    `${RECALL_TOOL}: no archived output has the id "${id}". Use the id exactly as an observation's handle shows it, or search with ${RECALL_TOOL}({"query":"words from the output"}).`,
  noHits: (query: string) =>
    `${RECALL_TOOL}: nothing in this session's archive matches "${query}". Try fewer or other words; every word must occur.`,
  offsetPastEnd: (id: string, total: number) =>
    `${RECALL_TOOL}: offset is past the end of "${id}" (${total} lines). Use an offset from 0 to ${Math.max(0, total - 1)}.`,
} as const;

/**
 * The text `recall` pages through for a call's input: the field an input stand-in elided, verbatim; several
 * such fields (an edit's old and new strings), each after a `--- <field> ---` line; with none, the whole
 * input as indented JSON.
 */
export function inputDocument(callID: string, input: Readonly<Record<string, unknown>>): { what: string; text: string } {
  const fields = elideInput(callID, input)?.fields ?? [];
  if (fields.length === 0) return { what: "input (JSON; nothing was elided)", text: JSON.stringify(input, null, 2) };
  if (fields.length === 1) return { what: `input field ${fields[0]!.path}`, text: fields[0]!.text };
  return {
    what: `input fields ${fields.map((f) => f.path).join(", ")}`,
    text: fields.map((f) => `--- ${f.path} ---\n${f.text}`).join("\n"),
  };
}

function recallById(db: Database, sessionID: string, args: RecallArgs & { id: string }): string {
  const call = findToolCall(db, sessionID, args.id);
  if (!call) return RecallErrors.unknownId(args.id);
  const input = args.part === "input";
  const { what, text } = input
    ? inputDocument(call.callID, (call.input ?? {}) as Record<string, unknown>)
    : { what: "output", text: call.output };
  const offset = args.offset ?? 0;
  const page = pageLines(text, offset, args.limit ?? DEFAULT_PAGE_LINES);
  if (offset > 0 && offset >= page.totalLines) return RecallErrors.offsetPastEnd(args.id, page.totalLines);
  const range = `lines ${page.firstLine}-${page.lastLine} of ${page.totalLines}`;
  const more =
    page.nextOffset === undefined
      ? "complete"
      : `more follows: ${recallCall(args.id, { ...(input ? { part: "input" as const } : {}), offset: page.nextOffset })}`;
  return `[${RECALL_TOOL} ${args.id}: ${call.tool} ${what}, ${range}, ${more}]\n${page.text}`;
}

function recallByQuery(db: Database, sessionID: string, query: string): string {
  const hits = searchToolCalls(db, { sessionID, query, limit: SEARCH_LIMIT });
  if (hits.length === 0) return RecallErrors.noHits(query);
  const lines = hits.map((h, i) => `${i + 1}. ${h.callID} (${h.tool}): ${h.snippet.replace(/\s+/g, " ")}`);
  return [
    `[${RECALL_TOOL} search "${query}": ${hits.length} best matches; open one with ${RECALL_TOOL}({"id":"..."})]`,
    ...lines,
  ].join("\n");
}

/** The recall tool's answer for one call: an archived original output or input (paged), or ranked search hits. */
export function recall(db: Database, sessionID: string, args: RecallArgs): string {
  const id = args.id?.trim();
  const query = args.query?.trim();
  if (id && query) return RecallErrors.both;
  if (id) return recallById(db, sessionID, { ...args, id });
  if (args.part !== undefined) return RecallErrors.partWithoutId;
  if (query) return recallByQuery(db, sessionID, query);
  return RecallErrors.neither;
}
