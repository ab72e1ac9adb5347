import type { Config, Hooks, PluginInput } from "@opencode-ai/plugin";
import { createArchiveLink, HOOK_BUSY_TIMEOUT_MS } from "../archive/link.ts";
import { defaultArchivePath, openOrRecoverArchive } from "../archive/open.ts";
import { createIdleWork } from "../archive/idle-work.ts";
import { createArchiveStore } from "../archive/session-store.ts";
import { loadOptions } from "../config/load.ts";
import { policyOf, RECALL_TOOL } from "../config/schema.ts";
import { createMessagesTransformHook } from "./messages-transform.ts";
import { createToolAfterHook } from "./tool-after.ts";
import { type Logger, opencodeLogger } from "../log/logger.ts";
import { createNotice, createToast } from "../log/notice.ts";
import { guard } from "./guard.ts";
import { createRecovery } from "./recover.ts";
import { type ChatParamsHook, createChatParamsHook, learnedWindowOf } from "./chat-params.ts";
import { createRecallTool } from "../recall/tool.ts";
import { createStatusCommand, lastReportedInput } from "./command.ts";
import { createRequestRecorder, foldToast } from "./request-log.ts";
import { endlessStatus, formatStatus, type PluginState, type Window } from "./status.ts";
import { activePatches, describePatches } from "../patch/detect.ts";
import { createLedgerStore } from "../archive/ledger.ts";
import { createCompactingHook, createCompactionSummary } from "./compacting.ts";
import { createFolder, type Folder } from "./fold.ts";
import { createOverflowHook } from "./overflow.ts";
import { createStepFinishHook } from "./step-finish.ts";
import { createObserverHooks, type ObserverSetup } from "./observer.ts";
import { createRelevantRecall } from "./relevant-recall.ts";

/** The hooks a patched opencode adds (patches/); stock opencode never calls them. */
interface PatchedHooks {
  "experimental.chat.step.finish": (input: unknown, output: unknown) => Promise<void>;
  "experimental.session.overflow": (input: { sessionID: string }, output: { overflow: boolean }) => Promise<void>;
}

/**
 * Builds the plugin's hooks from its options. Nothing at start turns Endless off but `enabled: false`: a bad
 * option falls back to its default, a damaged archive is moved aside for a fresh one, an archive that cannot
 * be opened (or was written by a newer version) leaves the plugin working from memory. Each is said once,
 * as a toast and a log line; with `enabled: false` only `/endless` remains, to say so. `observer` lets tests watch the compression worker (its events) and point it
 * at its own providers.
 */
export async function createEndlessHooks(
  input: Pick<PluginInput, "client"> & Partial<Pick<PluginInput, "directory">>,
  rawOptions: unknown,
  log: Logger = opencodeLogger(input.client),
  observer: Partial<ObserverSetup> = {},
): Promise<Hooks & Partial<PatchedHooks>> {
  const notice = createNotice(input.client, log);
  const windows = new Map<string, Window>();
  const loaded = loadOptions(rawOptions);
  if (loaded.problems.length > 0) notice("options", "warn", `options: ${loaded.problems.join("; ")}`);
  const options = loaded.options;
  const compressionConfigured = Object.keys(options.compression.models).length > 0;
  type ChatParams = Parameters<ChatParamsHook>;
  /**
   * The window a main call tells, learned once for both that use it: `/endless` shows it, the fold (when
   * on) measures against it. Its own guard: a failure must not keep the other hooks from the call.
   */
  const windowLearner = (folder?: Pick<Folder, "learnLimit">) =>
    guard("chat.params (window)", log, async (params: ChatParams[0]) => {
      const learned = learnedWindowOf(params);
      if (learned === undefined) return;
      windows.set(params.sessionID, { model: learned.model, context: learned.limit?.context ?? 0 });
      folder?.learnLimit(params.sessionID, learned.limit);
    });
  const statusHooks = (state: PluginState) =>
    createStatusCommand({
      client: input.client,
      log,
      status: async (sessionID) =>
        formatStatus(endlessStatus({ state, sessionID, window: windows.get(sessionID), usedTokens: await lastReportedInput(input.client, sessionID), compressionConfigured })),
    });
  if (!options.enabled) {
    log("info", "off: the enabled option is false");
    return { ...statusHooks({ on: false, reason: "the enabled option is false" }), "chat.params": windowLearner() };
  }
  const path = options.archivePath ?? defaultArchivePath();
  const start = openOrRecoverArchive(path, { busyTimeoutMs: HOOK_BUSY_TIMEOUT_MS });
  if (start.kind === "opened" && start.movedAside !== undefined) {
    notice(
      "archive-moved",
      "warn",
      `the archive ${path} was damaged or not an archive: moved aside to ${start.movedAside}, and a fresh archive started at ${path}`,
    );
  }
  // Every archive write goes through the link, which keeps to memory while the file is out.
  const link = createArchiveLink({ path, start, notice, log });
  const recovery = createRecovery(link);
  const compression = createObserverHooks({ db: link, options: options.compression, log, notice, ...observer });
  const store = compression.store;
  const ledgers = createLedgerStore(link);
  const idle = createIdleWork({ db: link, store, log, onIdle: compression.kick, maintenance: () => ledgers.persist() });
  const toast = createToast(input.client, log);
  const folder = createFolder({ db: link, ledgers, store, options: options.fold, log, root: input.directory, onFold: foldToast(toast), persistSoon: idle.soon });
  const recall = options.relevantRecall.enabled ? createRelevantRecall({ archive: link, options: options.relevantRecall }) : undefined;
  const policy = policyOf(options);
  const learnConfig = guard(
    "config",
    log,
    async (config: Parameters<NonNullable<Hooks["config"]>>[0]) => compression.learnConfig(config),
    (error) => `compression: could not read opencode's provider config: ${String(error)}`,
  );
  // Each its own guard: one failing must not keep the others from learning what the call tells.
  const learnWindow = windowLearner(folder);
  const learnSession = guard("chat.params (compression)", log, async (params: ChatParams[0]) => compression.learnSession(params));
  const contextManagement = createChatParamsHook(options.contextManagement, (message) => log("info", message), policy);
  log("info", describePatches(activePatches()));
  const compactionSummary = createCompactionSummary({ db: link, store, folder });
  const status = statusHooks({
    on: true,
    archivePath: path,
    db: link,
    reason: [
      start.kind === "opened" ? "archive open" : `archive not open, working from memory: ${start.reason}`,
      loaded.problems.length === 0 ? "options valid" : `${loaded.problems.length} options fell back to their defaults (${loaded.problems.join("; ")})`,
    ].join("; "),
  });
  const registerCommand = guard("config (command)", log, async (config: Config) => status.config!(config));
  return {
    "command.execute.before": status["command.execute.before"],
    dispose: async () => {
      await idle.flush();
      ledgers.persist();
      await compression.stop();
    },
    config: async (config) => {
      await registerCommand(config, undefined);
      await learnConfig(config, undefined);
    },
    "tool.execute.after": guard("tool.execute.after", log, createToolAfterHook({ db: link, idle, observer: compression.worker, ledgers, recovery })),
    "experimental.chat.messages.transform": guard(
      "experimental.chat.messages.transform",
      log,
      createMessagesTransformHook({
        store,
        config: policy,
        log,
        folder,
        notice,
        recovery,
        redact: options.redact,
        recall,
        onRequest: createRequestRecorder({ db: link, toast, notice }),
      }),
    ),
    "chat.params": async (params, output) => {
      await learnWindow(params, output);
      await learnSession(params, undefined);
      await contextManagement(params, output);
    },
    tool: { [RECALL_TOOL]: createRecallTool({ db: link, log }) },
    "experimental.chat.step.finish": guard("experimental.chat.step.finish", log, createStepFinishHook({ db: link })),
    "experimental.session.overflow": guard("experimental.session.overflow", log, createOverflowHook({ options: options.compaction, log })),
    "experimental.session.compacting": guard(
      "experimental.session.compacting",
      log,
      createCompactingHook({ options: options.compaction, compactionSummary, folder, log }),
    ),
  };
}
