import type { Database } from "bun:sqlite";
import { searchToolCalls, toFtsQuery } from "../archive/tool-calls.ts";
import { findToolCall } from "../archive/tool-calls.ts";
import { RECALL_TOOL } from "../compress/handle.ts";
import { DEFAULT_PAGE_LINES, pageLines } from "./page.ts";

export interface RecallArgs {
  id?: string;
  query?: string;
  offset?: number;
  limit?: number;
}

const SEARCH_LIMIT = 10;

/** Messages the model can act on: each says what was wrong and what call to make instead. */
export const RecallErrors = {
  neither: `${RECALL_TOOL}: give "id" (the call id from an observation's handle, e.g. ${RECALL_TOOL}({"id":"toolu_..."})) or a non-empty "query" to search this session's archived tool outputs.`,
  both: `${RECALL_TOOL}: give "id" or "query", not both.`,
  unknownId: (id: string) =>
    `${RECALL_TOOL}: no archived output has the id "${id}". Use the id exactly as an observation's handle shows it, or search with ${RECALL_TOOL}({"query":"words from the output"}).`,
  badQuery: (query: string) =>
    `${RECALL_TOOL}: the query "${query}" has no searchable words (letters, digits or _). Give words or identifiers from the output you want.`,
  noHits: (query: string) =>
    `${RECALL_TOOL}: nothing in this session's archive matches "${query}". Try fewer or other words; every word must occur.`,
  offsetPastEnd: (id: string, total: number) =>
    `${RECALL_TOOL}: offset is past the end of "${id}" (${total} lines). Use an offset from 0 to ${Math.max(0, total - 1)}.`,
} as const;

function recallById(db: Database, sessionID: string, args: RecallArgs & { id: string }): string {
  const call = findToolCall(db, sessionID, args.id);
  if (!call) return RecallErrors.unknownId(args.id);
  const offset = args.offset ?? 0;
  const page = pageLines(call.output, offset, args.limit ?? DEFAULT_PAGE_LINES);
  if (offset > 0 && offset >= page.totalLines) return RecallErrors.offsetPastEnd(args.id, page.totalLines);
  const range = `lines ${page.firstLine}-${page.lastLine} of ${page.totalLines}`;
  const more =
    page.nextOffset === undefined
      ? "complete"
      : `more follows: ${RECALL_TOOL}({"id":"${args.id}","offset":${page.nextOffset}})`;
  return `[${RECALL_TOOL} ${args.id}: ${call.tool} output, ${range}, ${more}]\n${page.text}`;
}

function recallByQuery(db: Database, sessionID: string, query: string): string {
  if (toFtsQuery(query) === undefined) return RecallErrors.badQuery(query);
  const hits = searchToolCalls(db, { sessionID, query, limit: SEARCH_LIMIT });
  if (hits.length === 0) return RecallErrors.noHits(query);
  const lines = hits.map((h, i) => `${i + 1}. ${h.callID} (${h.tool}): ${h.snippet.replace(/\s+/g, " ")}`);
  return [
    `[${RECALL_TOOL} search "${query}": ${hits.length} best matches; open one with ${RECALL_TOOL}({"id":"..."})]`,
    ...lines,
  ].join("\n");
}

/** The recall tool's answer for one call: an archived original (paged) or ranked search hits. */
export function recall(db: Database, sessionID: string, args: RecallArgs): string {
  const id = args.id?.trim();
  const query = args.query?.trim();
  if (id && query) return RecallErrors.both;
  if (id) return recallById(db, sessionID, { ...args, id });
  if (query) return recallByQuery(db, sessionID, query);
  return RecallErrors.neither;
}
