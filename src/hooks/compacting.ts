import type { Folder } from "./fold.ts";

/** What the summariser is told about the ledger it is handed. */
const LEDGER_NOTE =
  "The session ledger below was kept by the Endless plugin from every tool call of this session. Carry its goal, files written or edited, unresolved errors and todo list into the summary as they stand, with their call ids (any output comes back whole with recall by id):";

/**
 * `experimental.session.compacting`: when opencode compacts anyway (the user runs /compact, or a provider
 * error), the summariser gets the ledger as added context, so files, errors and todos survive the summary.
 */
export function createCompactingHook(folder: Folder) {
  return async (input: { sessionID: string }, output: { context: string[] }): Promise<void> => {
    output.context.push(`${LEDGER_NOTE}\n\n${folder.digest(input.sessionID)}`);
  };
}
