import type { ArchiveAccess } from "../archive/access.ts";
import { type ArchiveStore, createArchiveStore } from "../archive/session-store.ts";
import type { CompressionOptions } from "../config/compression.ts";
import type { Logger } from "../log/logger.ts";
import type { Notice } from "../log/notice.ts";
import { PROMPT_VERSION } from "../observer/prompt.ts";
import { createProviderRegistry, type ProviderRegistry } from "../observer/providers.ts";
import { type CompressionWorker, createCompressionWorker, type WorkerDeps } from "../observer/worker.ts";
import { isSideAgent } from "./chat-params.ts";

/** Jobs a previous run left pending start this long after the plugin loads, out of opencode's start-up. */
const RESUME_DELAY_MS = 1_000;

/** What tests may set: worker events, providers of their own, a shorter backoff. */
export type ObserverSetup = Pick<WorkerDeps, "onEvent" | "backoffBaseMs"> & { providers: ProviderRegistry };

/**
 * The LLM observation machinery the hooks share: the archive store (which prefers an LLM observation at a
 * batch), the provider registry (fed by the `config` and `chat.params` hooks) and the worker. With no
 * `compression.models`, no job is ever queued and no model called.
 */
export function createObserverHooks(
  deps: { db: ArchiveAccess; options: CompressionOptions; log: Logger; notice: Notice } & Partial<ObserverSetup>,
): {
  store: ArchiveStore;
  worker: CompressionWorker;
  kick: () => void;
  learnConfig: (config: unknown) => void;
  learnSession: (params: { sessionID: string; agent: string; model: unknown; provider: unknown }) => void;
  stop: () => Promise<void>;
} {
  const configured = Object.keys(deps.options.models).length > 0;
  const store = createArchiveStore(deps.db, configured ? { llmVersion: PROMPT_VERSION } : {});
  const providers = deps.providers ?? createProviderRegistry();
  const worker = createCompressionWorker({ ...deps, store, providers });
  if (configured) setTimeout(() => worker.kick(), RESUME_DELAY_MS).unref?.();
  return {
    store,
    worker,
    kick: () => (configured ? worker.kick() : undefined),
    learnConfig: (config) => providers.learnConfig(config),
    learnSession(params) {
      try {
        providers.learnLive(params.provider, params.model);
        const model = params.model as { providerID?: unknown; id?: unknown };
        if (!isSideAgent(params.agent) && typeof model.providerID === "string" && typeof model.id === "string") {
          worker.sessionModel(params.sessionID, `${model.providerID}/${model.id}`);
        }
      } catch (error) {
        deps.log("warn", `compression: could not read the session's provider: ${String(error)}`);
      }
    },
    stop: () => worker.stop(),
  };
}
