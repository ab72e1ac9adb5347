import type { Database } from "bun:sqlite";
import { openArchive } from "../archive/open.ts";
import { archiveToolCall, findToolCall } from "../archive/tool-calls.ts";
import { recall } from "../recall/recall.ts";
import type { Reference } from "./facts.ts";
import type { ReplayPlan } from "./requests.ts";

/**
 * Recallability through the real archive and the real recall tool: every completed output of the session
 * is archived as the plugin's tool hook would, then each reference is searched for as the model would
 * (`recall({"query": fact})`). A reference counts when the answer lists a call whose archived output holds
 * the fact's text, so opening that call gives the fact back: usually the call it first appeared in, or an
 * earlier one where the same text stood inside a longer token (a path within a longer path).
 */
export class RecallProbe {
  private readonly db: Database = openArchive(":memory:");

  /**
   * How many of the session's references a recall search gives back: a listed call holds their text. Each
   * is searched in the archive as it stood when the agent used it (the calls completed before that step).
   */
  countRecallable(plan: ReplayPlan, references: readonly Reference[]): number {
    const sessionID = plan.session.id;
    const requests = [...plan.requests].sort((a, b) => a.step - b.step);
    // By call, not id: some replayed trajectories reuse an id, and the later call then replaces the row.
    const archived = new Set<object>();
    let next = 0;
    let found = 0;
    for (const ref of [...references].sort((a, b) => a.useStep - b.useStep)) {
      // Everything completed by then, compacted away from the context or not: the plugin archived it all.
      this.db.transaction(() => {
        for (; next < requests.length && requests[next]!.step <= ref.useStep; next++) {
          for (const call of requests[next]!.calls) {
            if (call.error || archived.has(call)) continue;
            archived.add(call);
            archiveToolCall(
              this.db,
              { sessionID, callID: call.callID, tool: call.tool, input: call.input, output: call.output, tokens: call.tokens },
              "replace",
            );
          }
        }
      })();
      if (this.listedCalls(sessionID, ref.fact).some((id) => this.holds(sessionID, id, ref.fact))) found++;
    }
    return found;
  }

  /** The call ids a recall search answer lists, in its order. */
  private listedCalls(sessionID: string, fact: string): string[] {
    const answer = recall(this.db, sessionID, { query: fact });
    return [...answer.matchAll(/^\d+\. (\S+) \(/gm)].map((m) => m[1]!);
  }

  private holds(sessionID: string, callID: string, fact: string): boolean {
    return findToolCall(this.db, sessionID, callID)?.output.includes(fact) ?? false;
  }

  close(): void {
    this.db.close();
  }
}
