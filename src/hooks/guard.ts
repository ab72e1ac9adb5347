import type { Logger } from "../log/logger.ts";

const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/**
 * Wraps a hook so it never throws into opencode (a throwing hook aborts the user's turn): a failing hook
 * logs and leaves `output` as it was, which is pass-through. `failure` words the log line; a logger that
 * throws is ignored too, since logging must never be the thing that breaks a session.
 */
export function guard<I, O>(
  name: string,
  log: Logger,
  hook: (input: I, output: O) => Promise<void>,
  failure: (error: unknown) => string = (error) => `${name} failed, passing through unchanged: ${describe(error)}`,
) {
  return async (input: I, output: O): Promise<void> => {
    try {
      await hook(input, output);
    } catch (error) {
      try {
        log("error", failure(error));
      } catch {
        // Nothing left to tell.
      }
    }
  };
}
