/**
 * @module
 * LLM observations for the replay bench, from a cache file, so a rerun costs nothing and needs no model.
 * Entries are keyed by the compression prompt's version and the SHA-256 of the tool output, and hold the
 * model's answer without the recall handle; the replay checks each answer exactly as the plugin does (not
 * empty, no refusal, no invented path, smaller than the fast observation) before it stands in.
 *
 * File format: { "format": "endless-llm-cache", "entries": { "<promptVersion>:<sha256 hex>": "answer" } }
 * A file can be written from an archive's LLM observations (`endless bench --llm-cache-from ARCHIVE`).
 */
import type { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { LLM_METHOD } from "../archive/compression.ts";
import type { ToolCall } from "../compress/types.ts";
import { checkObservation, PROMPT_VERSION } from "../observer/prompt.ts";

const CacheFile = z.object({ format: z.literal("endless-llm-cache"), entries: z.record(z.string(), z.string()) });

export const llmCacheKey = (promptVersion: number, output: string): string =>
  `${promptVersion}:${createHash("sha256").update(output).digest("hex")}`;

/** What the replay asks of a cache: the checked LLM observation for a call, and how often it had one. */
export interface LlmCache {
  readonly file: string;
  readonly promptVersion: number;
  /** The observation text (handle included) or undefined when the cache has no usable answer. */
  lookup(call: ToolCall): string | undefined;
  readonly stats: { asked: number; found: number; rejected: number };
}

export async function loadLlmCache(file: string, promptVersion = PROMPT_VERSION): Promise<LlmCache> {
  let parsed: z.infer<typeof CacheFile>;
  try {
    parsed = CacheFile.parse(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    throw new Error(`--llm-cache ${file}: not an LLM observation cache (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); write one with --llm-cache-from ARCHIVE`);
  }
  const stats = { asked: 0, found: 0, rejected: 0 };
  return {
    file,
    promptVersion,
    stats,
    lookup(call) {
      stats.asked++;
      const answer = parsed.entries[llmCacheKey(promptVersion, call.output)];
      if (answer === undefined) return undefined;
      const checked = checkObservation(answer, call);
      if (!checked.ok) {
        stats.rejected++;
        return undefined;
      }
      stats.found++;
      return checked.text;
    },
  };
}

/** Writes every LLM observation of an archive (its answer, handle removed) to a cache file; returns the count. */
export async function exportLlmCache(db: Database, file: string): Promise<number> {
  const rows = db
    .query<{ output: string; text: string; version: number }, [string]>(
      "SELECT c.output, o.text, o.version FROM observations o JOIN tool_calls c ON c.id = o.call_row WHERE o.method = ?",
    )
    .all(LLM_METHOD);
  const entries = Object.fromEntries(rows.map((r) => [llmCacheKey(r.version, r.output), r.text.split("\n").slice(0, -1).join("\n")]));
  await writeFile(file, JSON.stringify({ format: "endless-llm-cache", entries }, null, 1));
  return Object.keys(entries).length;
}
