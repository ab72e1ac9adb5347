import type { Database } from "bun:sqlite";
import { openArchive } from "../archive/open.ts";
import { archiveToolCall } from "../archive/tool-calls.ts";
import { recall } from "../recall/recall.ts";
import type { Reference } from "./facts.ts";
import type { ReplayPlan } from "./requests.ts";

/**
 * Recallability through the real archive and the real recall tool: every completed output of the session
 * is archived as the plugin's tool hook would, then each reference is searched for as the model would
 * (`recall({"query": fact})`). A reference counts when the answer lists the call it first appeared in.
 */
export class RecallProbe {
  private readonly db: Database = openArchive(":memory:");

  /** How many of the session's references a recall search finds in their origin call. */
  countRecallable(plan: ReplayPlan, references: readonly Reference[]): number {
    const sessionID = plan.session.id;
    this.db.transaction(() => {
      for (const call of plan.calls) {
        if (call.error) continue;
        archiveToolCall(
          this.db,
          { sessionID, callID: call.callID, tool: call.tool, input: call.input, output: call.output, tokens: call.tokens },
          "replace",
        );
      }
    })();
    return references.filter((ref) => recall(this.db, sessionID, { query: ref.fact }).includes(`. ${ref.origin} (`)).length;
  }

  close(): void {
    this.db.close();
  }
}
