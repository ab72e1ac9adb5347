import { z } from "zod";
import { appliedEditsOf } from "../anthropic/applied-edits.ts";
import { type ArchiveAccess, writeOn } from "../archive/access.ts";
import { recordStep } from "../archive/steps.ts";

/** What the step-finish patch passes (`experimental.chat.step.finish`); unknown keys are ignored. */
const StepFinishInput = z.object({
  sessionID: z.string().min(1),
  messageID: z.string().min(1),
  agent: z.string().optional(),
  model: z.object({ id: z.string(), providerID: z.string() }),
  tokens: z.object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cache: z.object({ read: z.number().nonnegative(), write: z.number().nonnegative() }),
  }),
  providerMetadata: z.unknown().optional(),
});

/**
 * `experimental.chat.step.finish` (patched opencode only): records each step's tokens and the
 * server's applied context edits in the archive, where `endless stats` reads them.
 */
export function createStepFinishHook(deps: { db: ArchiveAccess }) {
  return async (input: unknown, _output: unknown): Promise<void> => {
    const step = StepFinishInput.parse(input);
    writeOn(deps.db, (db) => recordStep(db, {
      sessionID: step.sessionID,
      messageID: step.messageID,
      agent: step.agent,
      model: `${step.model.providerID}/${step.model.id}`,
      inputTokens: step.tokens.input,
      outputTokens: step.tokens.output,
      cacheReadTokens: step.tokens.cache.read,
      cacheWriteTokens: step.tokens.cache.write,
      appliedEdits: appliedEditsOf(step.providerMetadata),
    }));
  };
}
