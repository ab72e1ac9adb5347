/**
 * @module
 * LLM observations for the replay bench, from a cache file, so a rerun costs nothing and needs no model.
 * Entries are keyed by the compression prompt's version and the SHA-256 of the tool output, and hold the
 * model's answer without the recall handle; the replay checks each answer exactly as the plugin does (not
 * empty, no refusal, no invented path, smaller than the fast observation) before it stands in.
 *
 * File format: { "format": "endless-llm-cache", "entries": { "<promptVersion>:<sha256 hex>": "answer" } }
 * A file can be written from an archive's LLM observations (`endless bench --llm-cache-from ARCHIVE`), or
 * filled by the bench itself from a model (`--llm-model`): outputs the file has no answer for are asked
 * once, and their answers saved, so the next run asks nothing.
 */
import type { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { LLM_METHOD } from "../archive/compression.ts";
import type { ToolCall } from "../compress/types.ts";
import { callModel, type Endpoint } from "../observer/clients.ts";
import { countTokens } from "../tokens/count.ts";
import { buildPrompt, checkObservation, PROMPT_VERSION, SYSTEM_PROMPT } from "../observer/prompt.ts";

const CacheFile = z.object({ format: z.literal("endless-llm-cache"), entries: z.record(z.string(), z.string()) });

export const llmCacheKey = (promptVersion: number, output: string): string =>
  `${promptVersion}:${createHash("sha256").update(output).digest("hex")}`;

/** What the replay asks of a cache: the checked LLM observation for a call, and how often it had one. */
export interface LlmCache {
  readonly file: string;
  readonly promptVersion: number;
  /** The observation text (handle included) or undefined when the cache has no usable answer. */
  lookup(call: ToolCall): Promise<string | undefined>;
  readonly stats: { asked: number; found: number; rejected: number; modelCalls: number; modelTokens: number; modelFailures: number };
  /** Writes the answers a model gave this run back to the file (nothing to do without a model). */
  save(): Promise<void>;
}

/** A model that answers what the file lacks: its name (for the report) and how to reach it. */
export interface CacheFiller {
  readonly model: string;
  readonly endpoint: Endpoint;
  readonly maxTokens: number;
  readonly timeoutMs: number;
  /** Outputs smaller than this are not worth a call, as in the plugin. */
  readonly minOutputTokens: number;
}

export async function loadLlmCache(file: string, filler?: CacheFiller, promptVersion = PROMPT_VERSION): Promise<LlmCache> {
  let parsed: z.infer<typeof CacheFile>;
  try {
    parsed = CacheFile.parse(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    if (!(missing && filler)) {
      throw new Error(`--llm-cache ${file}: not an LLM observation cache (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); write one with --llm-cache-from ARCHIVE or --llm-model`);
    }
    parsed = { format: "endless-llm-cache", entries: {} };
  }
  const stats = { asked: 0, found: 0, rejected: 0, modelCalls: 0, modelTokens: 0, modelFailures: 0 };
  const ask = async (call: ToolCall): Promise<string | undefined> => {
    if (filler === undefined || countTokens(call.output) < filler.minOutputTokens) return undefined;
    stats.modelCalls++;
    try {
      const reply = await callModel(filler.endpoint, { system: SYSTEM_PROMPT, prompt: buildPrompt(call), maxTokens: filler.maxTokens, timeoutMs: filler.timeoutMs });
      stats.modelTokens += reply.inputTokens + reply.outputTokens;
      return reply.text;
    } catch {
      // A failed call leaves that output on its fast observation; the next run asks again.
      stats.modelFailures++;
      return undefined;
    }
  };
  return {
    file,
    promptVersion,
    stats,
    async save() {
      if (filler !== undefined) await writeFile(file, JSON.stringify(parsed, null, 1));
    },
    async lookup(call) {
      stats.asked++;
      const key = llmCacheKey(promptVersion, call.output);
      let answer = parsed.entries[key];
      if (answer === undefined) {
        answer = await ask(call);
        if (answer === undefined) return undefined;
        parsed.entries[key] = answer;
      }
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
