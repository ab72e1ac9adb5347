import { type ArchiveAccess, readOn } from "../archive/access.ts";
import { tool } from "@opencode-ai/plugin";
import type { Logger } from "../log/logger.ts";
import { DEFAULT_PAGE_LINES, LINE_PIECE_CHARS, MAX_PAGE_LINES } from "./page.ts";
import { RECALL_PARTS, RecallErrors, recall } from "./recall.ts";

const DESCRIPTION = `Bring back an archived tool output or tool input. Older tool outputs in this conversation are shown as compact observations; each ends with a handle like recall({"id":"<call id>"}). Call recall with that id to get the original output, exactly as the tool produced it (long outputs come in pages: pass the offset the answer suggests). Bulky inputs of older calls (a written file's content, an edit's old and new strings, a patch) are shown as a short note ending with recall({"id":"<call id>","part":"input"}): that returns the elided text exactly as it was sent to the tool, paged the same way. Or search all archived outputs of this session with recall({"query":"words or identifiers"}).`;

const z = tool.schema;

/** An answer that found nothing: the memory archive (outputs the file refused) is asked next. */
const isMiss = (answer: string, args: { id?: string; query?: string }) =>
  answer === RecallErrors.unknownId(args.id?.trim() ?? "") || answer === RecallErrors.noHits(args.query?.trim() ?? "");

export function createRecallTool(deps: { db: ArchiveAccess; log: Logger }) {
  return tool({
    description: DESCRIPTION,
    args: {
      id: z.string().optional().describe("the call id from an observation's recall handle"),
      query: z.string().optional().describe("words to search for in this session's archived outputs"),
      part: z
        .enum(RECALL_PARTS)
        .optional()
        .describe('with id: "output" (default) for the tool output, "input" for the text a note elided from the call\'s input'),
      offset: z.number().int().min(0).optional().describe("lines to skip (for the next page of a long output)"),
      limit: z
        .number()
        .int()
        .min(1)
        .max(MAX_PAGE_LINES)
        .optional()
        .describe(
          `lines to return (default ${DEFAULT_PAGE_LINES}, at most ${MAX_PAGE_LINES}; pages are also capped at 40 KB, and a line over ${LINE_PIECE_CHARS} characters counts as several)`,
        ),
    },
    async execute(args, context) {
      try {
        let answer = "";
        return (
          readOn(deps.db, (db) => {
            answer = recall(db, context.sessionID, args);
            return isMiss(answer, args) ? undefined : answer;
          }) ?? answer
        );
      } catch (error) {
        deps.log("error", `recall failed: ${String(error)}`);
        return `recall: the archive could not be read (${String(error)}). The original outputs are still in opencode's own history.`;
      }
    },
  });
}
