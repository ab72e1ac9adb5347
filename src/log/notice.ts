import type { Level, Logger } from "./logger.ts";

interface ToastClient {
  tui: {
    showToast(input: {
      body: { title?: string; message: string; variant: "info" | "success" | "warning" | "error"; duration?: number };
    }): Promise<unknown>;
  };
}

/** Says something to the user: a toast in opencode's TUI (ignored when none is attached) and the log. */
export type Toast = (level: Exclude<Level, "debug">, message: string) => void;

/** Says something to the user once per key (see `createNotice`). */
export type Notice = (key: string, level: Exclude<Level, "debug">, message: string) => void;

const VARIANT = { info: "info", warn: "warning", error: "error" } as const;

/**
 * A toast every time it is called, for events the user wants to see each time they happen (a batch that
 * freed a notable amount), never for something said on every request. Never throws.
 */
export function createToast(client: ToastClient, log: Logger): Toast {
  return (level, message) => {
    log(level, message);
    try {
      void client.tui
        .showToast({ body: { title: "Endless", message, variant: VARIANT[level] } })
        .catch(() => {});
    } catch {
      // No TUI (headless run) or a client without it: the log line stands.
    }
  };
}

/**
 * A notice that says each key once for the life of the plugin, so a fault repeated on every request reaches
 * the user one time, where they look (the TUI), and the log keeps the line. Never throws.
 */
export function createNotice(client: ToastClient, log: Logger): Notice {
  const toast = createToast(client, log);
  const said = new Set<string>();
  return (key, level, message) => {
    if (said.has(key)) return;
    said.add(key);
    toast(level, message);
  };
}
