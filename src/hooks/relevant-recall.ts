/**
 * @module
 * Relevant recall (option `relevantRecall`): the request transform adds a short block of this session's
 * earlier outputs that match a new user message to that message. The block is decided once, on the first
 * request that carries the message as its newest one, kept in the archive, and sent with the same bytes on
 * every later request that carries the message: it changes no message the prompt cache already holds.
 */
import type { Message, Part, TextPart } from "@opencode-ai/sdk";
import { type ArchiveAccess, readOn, writeOn } from "../archive/access.ts";
import { loadRecallBlocks, saveRecallBlock } from "../archive/recall-blocks.ts";
import { relatedOutputs } from "../archive/search.ts";
import type { RelevantRecallOptions } from "../config/schema.ts";
import { recallBlock, recallTerms } from "../context/recall-block.ts";
import { countTokens } from "../tokens/count.ts";

type WireMessage = { info: Message; parts: Part[] };

/** Hits the search returns for each one the block may carry: the best ones may be in the request already. */
const HIT_POOL = 4;

const typedText = (m: WireMessage): string =>
  m.parts
    .filter((p): p is TextPart => p.type === "text" && !p.synthetic && !p.ignored)
    .map((p) => p.text)
    .join("\n");

export interface RelevantRecall {
  /**
   * Adds each user message's block (decided now for the newest message when it is a user message seen for
   * the first time) as a synthetic text part at its end. `verbatim`: calls whose raw output this request
   * carries, which a block never repeats.
   */
  apply(sessionID: string, messages: WireMessage[], verbatim: ReadonlySet<string>): void;
}

export function createRelevantRecall(deps: { archive: ArchiveAccess; options: RelevantRecallOptions }): RelevantRecall {
  const sessions = new Map<string, Map<string, string>>();
  const blocksOf = (sessionID: string) => {
    let blocks = sessions.get(sessionID);
    if (blocks === undefined) {
      blocks = readOn(deps.archive, (db) => loadRecallBlocks(db, sessionID)) ?? new Map<string, string>();
      sessions.set(sessionID, blocks);
    }
    return blocks;
  };

  const decide = (sessionID: string, message: WireMessage, verbatim: ReadonlySet<string>): string => {
    const terms = recallTerms(typedText(message));
    const hits = terms.length === 0 ? [] : (readOn(deps.archive, (db) => relatedOutputs(db, { sessionID, terms, limit: deps.options.maxHits * HIT_POOL })) ?? []);
    return recallBlock(hits, { verbatim, maxHits: deps.options.maxHits, maxTokens: deps.options.maxTokens, count: countTokens }) ?? "";
  };

  return {
    apply(sessionID, messages, verbatim) {
      const blocks = blocksOf(sessionID);
      const newest = messages.at(-1);
      // Only a message no request has carried yet gets a block: one added later would change a cached prefix.
      if (newest !== undefined && newest.info.role === "user" && !blocks.has(newest.info.id) && typedText(newest) !== "") {
        const text = decide(sessionID, newest, verbatim);
        writeOn(deps.archive, (db) => saveRecallBlock(db, sessionID, newest.info.id, text));
        blocks.set(newest.info.id, text);
      }
      for (const m of messages) {
        if (m.info.role !== "user") continue;
        const text = blocks.get(m.info.id);
        if (!text) continue;
        const part = { id: `${m.info.id}_endless_recall`, sessionID: m.info.sessionID, messageID: m.info.id, type: "text", text, synthetic: true } as TextPart;
        m.parts.push(part);
      }
    },
  };
}
