import type { Hooks, PluginInput } from "@opencode-ai/plugin";
import { defaultArchivePath, openArchive } from "../archive/open.ts";
import { createIdleWork } from "../archive/idle-work.ts";
import { createArchiveStore } from "../archive/session-store.ts";
import { loadOptions } from "../config/load.ts";
import { policyOf } from "../config/schema.ts";
import { createMessagesTransformHook } from "./messages-transform.ts";
import { createToolAfterHook } from "./tool-after.ts";
import { type Logger, opencodeLogger } from "../log/logger.ts";
import { guard } from "./guard.ts";
import { createNotice } from "../log/notice.ts";
import { createChatParamsHook } from "./chat-params.ts";
import { createRecallTool } from "../recall/tool.ts";

/**
 * Builds the plugin's hooks from its options. Anything wrong at start (options, archive) yields no hooks
 * at all, with one log line saying why: opencode then runs exactly as it would without the plugin.
 */
export async function createEndlessHooks(
  input: Pick<PluginInput, "client">,
  rawOptions: unknown,
  log: Logger = opencodeLogger(input.client),
): Promise<Hooks> {
  const notice = createNotice(input.client, log);
  const loaded = loadOptions(rawOptions);
  if (loaded.problems.length > 0) notice("options", "warn", `options: ${loaded.problems.join("; ")}`);
  const options = loaded.options;
  if (!options.enabled) return {};
  let db;
  try {
    db = openArchive(options.archivePath ?? defaultArchivePath());
  } catch (error) {
    log("error", `running as pass-through: ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
  const store = createArchiveStore(db);
  const idle = createIdleWork({ db, store, log });
  return {
    dispose: () => idle.flush(),
    "tool.execute.after": guard("tool.execute.after", log, createToolAfterHook({ db, idle })),
    "experimental.chat.messages.transform": guard(
      "experimental.chat.messages.transform",
      log,
      createMessagesTransformHook({ store, config: policyOf(options), log }),
    ),
    "chat.params": createChatParamsHook(options.contextManagement, (message) => log("info", message), policyOf(options)),
    tool: { recall: createRecallTool({ db, log }) },
  };
}
