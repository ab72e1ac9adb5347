import type { Config, Hooks, PluginInput } from "@opencode-ai/plugin";
import type { Logger } from "../log/logger.ts";

/** The slash command the plugin adds to opencode: `/endless`. */
export const STATUS_COMMAND = "endless";

/**
 * Thrown by `command.execute.before` once `/endless` has answered. opencode 1.18.33 sends a command's parts
 * to the model right after this hook, whatever it sets; a hook that throws is the only way to stop that
 * (the field's plugins, DCP's `/dcp` among them, do the same). The server logs it as a failed command and
 * the TUI, which ignores a command's error response, shows nothing of it.
 */
export const COMMAND_HANDLED = "__endless_command_handled__";

type Client = PluginInput["client"];

/** Input tokens opencode reported for the session's last answered request (fresh, cache read and cache write). */
export async function lastReportedInput(client: Client, sessionID: string): Promise<number | undefined> {
  const response = await client.session.messages({ path: { id: sessionID } });
  const messages = response.data ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const info = messages[i]!.info;
    if (info.role !== "assistant") continue;
    const used = info.tokens.input + info.tokens.cache.read + info.tokens.cache.write;
    if (used > 0) return used;
  }
  return undefined;
}

/**
 * `/endless`: registered through the `config` hook, answered in `command.execute.before` with a message
 * stored in the session as ignored text (shown to the user, never sent to the model), and no model call.
 */
export function createStatusCommand(deps: {
  client: Client;
  status: (sessionID: string) => Promise<string>;
  log: Logger;
}): Pick<Hooks, "config" | "command.execute.before"> {
  return {
    config: async (config: Config) => {
      try {
        config.command ??= {};
        config.command[STATUS_COMMAND] ??= {
          template: "",
          description: "Endless: on or off, archive, tokens saved, cache rewrites, window, patches (no model call)",
        };
      } catch (error) {
        deps.log("error", `could not register /${STATUS_COMMAND}: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    "command.execute.before": async (input) => {
      if (input.command !== STATUS_COMMAND) return;
      let text: string;
      try {
        text = await deps.status(input.sessionID);
      } catch (error) {
        text = `Endless: the status could not be read (${error instanceof Error ? error.message : String(error)}); see opencode's log`;
      }
      try {
        await deps.client.session.prompt({
          path: { id: input.sessionID },
          body: { noReply: true, parts: [{ type: "text", text, ignored: true }] },
        });
      } catch (error) {
        deps.log("error", `/${STATUS_COMMAND} could not post its answer: ${error instanceof Error ? error.message : String(error)}`);
      }
      throw new Error(COMMAND_HANDLED);
    },
  };
}
