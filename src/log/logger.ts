export type Level = "debug" | "info" | "warn" | "error";
export type Logger = (level: Level, message: string) => void;

const SERVICE = "opencode-endless";

interface AppLogClient {
  app: { log(input: { body: { service: string; level: Level; message: string } }): Promise<unknown> };
}

/** Logs through opencode's own log (so lines land in its log file), never throwing into a hook. */
export function opencodeLogger(client: AppLogClient): Logger {
  return (level, message) => {
    try {
      void client.app.log({ body: { service: SERVICE, level, message } }).catch(() => {});
    } catch {
      // Logging must never be the thing that breaks a session.
    }
  };
}

const describe = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

/**
 * Wraps a hook so it never throws into opencode: a failing hook logs and leaves `output` as it was,
 * which is pass-through.
 */
export function guard<I, O>(name: string, log: Logger, hook: (input: I, output: O) => Promise<void>) {
  return async (input: I, output: O): Promise<void> => {
    try {
      await hook(input, output);
    } catch (error) {
      log("error", `${name} failed, passing through unchanged: ${describe(error)}`);
    }
  };
}
