import type { Hooks, PluginInput } from "@opencode-ai/plugin";
import { createArchiveLink, HOOK_BUSY_TIMEOUT_MS } from "../archive/link.ts";
import { defaultArchivePath, openOrRecoverArchive } from "../archive/open.ts";
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
import { createRecovery } from "./recover.ts";

/**
 * Builds the plugin's hooks from its options. Nothing at start turns Endless off but `enabled: false`: a bad
 * option falls back to its default, a damaged archive is moved aside for a fresh one, an archive that cannot
 * be opened (or was written by a newer version) leaves the plugin working from memory. Each is said once,
 * as a toast and a log line.
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
  const path = options.archivePath ?? defaultArchivePath();
  const start = openOrRecoverArchive(path, { busyTimeoutMs: HOOK_BUSY_TIMEOUT_MS });
  if (start.kind === "opened" && start.movedAside !== undefined) {
    notice(
      "archive-moved",
      "warn",
      `the archive ${path} was damaged or not an archive: moved aside to ${start.movedAside}, and a fresh archive started at ${path}`,
    );
  }
  const link = createArchiveLink({ path, start, notice, log });
  const store = createArchiveStore(link);
  const idle = createIdleWork({ db: link, store, log });
  const recovery = createRecovery(link);
  return {
    dispose: () => idle.flush(),
    "tool.execute.after": guard("tool.execute.after", log, createToolAfterHook({ db: link, idle, recovery })),
    "experimental.chat.messages.transform": guard(
      "experimental.chat.messages.transform",
      log,
      createMessagesTransformHook({ store, config: policyOf(options), log, recovery, redact: options.redact }),
    ),
    "chat.params": createChatParamsHook(options.contextManagement, (message) => log("info", message), policyOf(options)),
    tool: { recall: createRecallTool({ db: link, log }) },
  };
}
