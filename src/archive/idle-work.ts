import type { CallView, SessionStore } from "../context/engine.ts";
import { type ArchiveAccess, writeOn } from "./access.ts";
import type { Logger } from "../log/logger.ts";
import { countTokens } from "../tokens/count.ts";
import { indexPendingOutputs, setTokenCount } from "./tool-calls.ts";

/**
 * How long after the last tool output the archive's deferred work runs. Tool calls of one step arrive
 * together and the model's next reply then streams for seconds: the work lands in that idle time, not
 * between a tool finishing and opencode sending the result on.
 */
const IDLE_DELAY_MS = 200;

export interface IdleWork {
  /** Queues the exact token count and the observation of an archived call. */
  add(sessionID: string, call: CallView): void;
  /** Runs everything queued now (also what the timer does). */
  flush(): Promise<void>;
  /** Runs the maintenance soon with no call queued: writes a request left for idle time (the session ledgers). */
  soon(): void;
}

/**
 * The archive work the tool hook leaves out of its own path: the exact token count, the observation,
 * full-text indexing, and the WAL checkpoint (the plugin's connection turns auto-checkpoints off, whose
 * fsync would otherwise land inside a tool hook now and then).
 */
export function createIdleWork(deps: {
  db: ArchiveAccess;
  store: SessionStore;
  log: Logger;
  delayMs?: number;
  /** Runs after each flush: the LLM observation worker starts its due jobs then, in the same idle time. */
  onIdle?: () => void;
  /** More deferred writes to run with the archive maintenance (the session ledgers). */
  maintenance?: () => void;
}): IdleWork {
  const queue: { sessionID: string; call: CallView }[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const runOne = async ({ sessionID, call }: { sessionID: string; call: CallView }) => {
    const tokens = countTokens(call.output);
    writeOn(deps.db, (db) => setTokenCount(db, sessionID, call.callID, tokens));
    await deps.store.observe(sessionID, call);
  };

  const flush = async () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const item of queue.splice(0)) {
      await runOne(item).catch((error: unknown) => {
        deps.log("warn", `background work on ${item.call.callID} failed; the observation will be made on demand: ${String(error)}`);
      });
    }
    try {
      deps.maintenance?.();
      writeOn(deps.db, (db) => {
        indexPendingOutputs(db);
        db.run("PRAGMA wal_checkpoint(PASSIVE)");
      });
    } catch (error) {
      deps.log("warn", `archive maintenance failed; it is retried after the next tool call: ${String(error)}`);
    }
    deps.onIdle?.();
  };

  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => void flush(), deps.delayMs ?? IDLE_DELAY_MS);
    // The timer must never keep a finishing opencode process alive.
    timer.unref?.();
  };

  return {
    add(sessionID, call) {
      queue.push({ sessionID, call });
      schedule();
    },
    flush,
    soon: schedule,
  };
}
