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
