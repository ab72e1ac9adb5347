import type { Hooks, PluginInput } from "@opencode-ai/plugin";
import { defaultArchivePath, openArchive } from "../archive/open.ts";
import { createIdleWork } from "../archive/idle-work.ts";
import { createArchiveStore } from "../archive/session-store.ts";
import { loadOptions } from "../config/load.ts";
import { policyOf, RECALL_TOOL } from "../config/schema.ts";
import { createMessagesTransformHook } from "./messages-transform.ts";
import { createToolAfterHook } from "./tool-after.ts";
import { type Logger, opencodeLogger } from "../log/logger.ts";
import { guard } from "./guard.ts";
import { callFactsOf, createChatParamsHook } from "./chat-params.ts";
import { createRecallTool } from "../recall/tool.ts";
import { createLedgerStore } from "../archive/ledger.ts";
import { createNotice } from "../log/notice.ts";
import { createCompactingHook } from "./compacting.ts";
import { createFolder } from "./fold.ts";

/** Agents whose calls say nothing of the session's own model window (they may run on another model). */
const SIDE_AGENTS = new Set(["title", "summary", "compaction"]);

/**
 * Builds the plugin's hooks from its options. Anything wrong at start (options, archive) yields no hooks
 * at all, with one log line saying why: opencode then runs exactly as it would without the plugin.
 */
export async function createEndlessHooks(
  input: Pick<PluginInput, "client"> & Partial<Pick<PluginInput, "directory">>,
  rawOptions: unknown,
  log: Logger = opencodeLogger(input.client),
): Promise<Hooks> {
  const loaded = loadOptions(rawOptions);
  if (!loaded.ok) {
    log("error", `invalid options, running as pass-through: ${loaded.problems.join("; ")}`);
    return {};
  }
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
  const ledgers = createLedgerStore(db);
  const idle = createIdleWork({ db, store, log, maintenance: () => ledgers.persist() });
  const notice = createNotice(input.client, log);
  const folder = createFolder({ db, ledgers, store, options: options.fold, log, root: input.directory });
  const contextManagement = createChatParamsHook(options.contextManagement, (message) => log("info", message), policyOf(options));
  return {
    dispose: async () => {
      await idle.flush();
      ledgers.persist();
    },
    "tool.execute.after": guard("tool.execute.after", log, createToolAfterHook({ db, idle, ledgers })),
    "experimental.chat.messages.transform": guard(
      "experimental.chat.messages.transform",
      log,
      createMessagesTransformHook({ store, config: policyOf(options), log, folder, notice }),
    ),
    "chat.params": guard("chat.params", log, async (params, output) => {
      if (!SIDE_AGENTS.has(params.agent)) folder.learnLimit(params.sessionID, callFactsOf(params, output).limit);
      await contextManagement(params, output);
    }),
    "experimental.session.compacting": guard("experimental.session.compacting", log, createCompactingHook(folder)),
    tool: { [RECALL_TOOL]: createRecallTool({ db, log }) },
  };
}
