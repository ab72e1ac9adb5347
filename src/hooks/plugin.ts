import type { Hooks, PluginInput } from "@opencode-ai/plugin";
import { defaultArchivePath, openArchive } from "../archive/open.ts";
import { createIdleWork } from "../archive/idle-work.ts";
import { createArchiveStore } from "../archive/session-store.ts";
import { loadOptions } from "../config/load.ts";
import { policyOf, RECALL_TOOL } from "../config/schema.ts";
import { createMessagesTransformHook } from "./messages-transform.ts";
import { createToolAfterHook } from "./tool-after.ts";
import { type Logger, opencodeLogger } from "../log/logger.ts";
import { createNotice, createToast } from "../log/notice.ts";
import { guard } from "./guard.ts";
import { type ChatParamsHook, createChatParamsHook } from "./chat-params.ts";
import { createRecallTool } from "../recall/tool.ts";
import { createStatusCommand, lastReportedInput } from "./command.ts";
import { createRequestRecorder } from "./request-log.ts";
import { endlessStatus, formatStatus, type PluginState, type Window } from "./status.ts";
import { activePatches, describePatches } from "../patch/detect.ts";
import { createCompactingHook, createCompactionSummary } from "./compacting.ts";
import { createOverflowHook } from "./overflow.ts";
import { createStepFinishHook } from "./step-finish.ts";

/** The hooks a patched opencode adds (patches/); stock opencode never calls them. */
interface PatchedHooks {
  "experimental.chat.step.finish": (input: unknown, output: unknown) => Promise<void>;
  "experimental.session.overflow": (input: { sessionID: string }, output: { overflow: boolean }) => Promise<void>;
}

/**
 * Builds the plugin's hooks from its options. Anything wrong at start (options, archive) yields only the
 * `/endless` command (which says why the plugin is off) and one notice at the first request: opencode then
 * runs exactly as it would without the plugin.
 */
export async function createEndlessHooks(
  input: Pick<PluginInput, "client">,
  rawOptions: unknown,
  log: Logger = opencodeLogger(input.client),
): Promise<Hooks & Partial<PatchedHooks>> {
  const notice = createNotice(input.client, log);
  const windows = new Map<string, Window>();
  const statusHooks = (state: PluginState) =>
    createStatusCommand({
      client: input.client,
      log,
      status: async (sessionID) =>
        formatStatus(endlessStatus({ state, sessionID, window: windows.get(sessionID), usedTokens: await lastReportedInput(input.client, sessionID) })),
    });
  const off = (reason: string, level: "error" | "info"): Hooks => {
    log(level, `running as pass-through: ${reason}`);
    // The log has its line already; the toast (once, at the first request, when a TUI is listening) says it where the user looks.
    const toastOnce = createNotice(input.client, () => {});
    return {
      ...statusHooks({ on: false, reason }),
      "chat.params": async (params) => {
        trackWindow(windows, params);
        if (level === "error") toastOnce("off", "error", `Endless is off, running as pass-through: ${reason}`);
      },
    };
  };

  const loaded = loadOptions(rawOptions);
  if (!loaded.ok) return off(`invalid options: ${loaded.problems.join("; ")}`, "error");
  const options = loaded.options;
  if (!options.enabled) return off("the enabled option is false", "info");
  const archivePath = options.archivePath ?? defaultArchivePath();
  let db;
  try {
    db = openArchive(archivePath);
  } catch (error) {
    return off(error instanceof Error ? error.message : String(error), "error");
  }
  const store = createArchiveStore(db);
  const idle = createIdleWork({ db, store, log });
  const chatParams = createChatParamsHook(options.contextManagement, (message) => log("info", message), policyOf(options));
  log("info", describePatches(activePatches()));
  const compactionSummary = createCompactionSummary({ db, store });
  return {
    ...statusHooks({ on: true, archivePath, db }),
    dispose: () => idle.flush(),
    "tool.execute.after": guard("tool.execute.after", log, createToolAfterHook({ db, idle })),
    "experimental.chat.messages.transform": guard(
      "experimental.chat.messages.transform",
      log,
      createMessagesTransformHook({
        store,
        config: policyOf(options),
        log,
        onRequest: createRequestRecorder({ db, toast: createToast(input.client, log), notice }),
      }),
    ),
    "chat.params": async (params, output) => {
      trackWindow(windows, params);
      await chatParams(params, output);
    },
    tool: { [RECALL_TOOL]: createRecallTool({ db, log }) },
    "experimental.chat.step.finish": guard("experimental.chat.step.finish", log, createStepFinishHook({ db })),
    "experimental.session.overflow": guard("experimental.session.overflow", log, createOverflowHook({ options: options.compaction, log })),
    "experimental.session.compacting": guard(
      "experimental.session.compacting",
      log,
      createCompactingHook({ options: options.compaction, compactionSummary, log }),
    ),
  };
}

/** Agents whose calls are not the session's own requests (their model may be a small one). */
const SIDE_AGENTS = new Set(["title", "summary", "compaction"]);

/** Remembers the model and window of the session's last main request, for `/endless`. Never throws. */
function trackWindow(windows: Map<string, Window>, params: Parameters<ChatParamsHook>[0]): void {
  const model = params?.model;
  if (model === undefined || SIDE_AGENTS.has(params.agent)) return;
  windows.set(params.sessionID, { model: `${model.providerID}/${model.id}`, context: model.limit?.context ?? 0 });
}
