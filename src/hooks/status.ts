import type { Database } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { type ArchiveAccess, readOn } from "../archive/access.ts";
import { requestTotals } from "../archive/requests.ts";
import { loadFold } from "../archive/ledger.ts";
import { archiveTotals, type CompressionBill, sessionStats } from "../archive/stats.ts";
import { formatBytes, formatCount, formatUsd } from "../format/number.ts";
import { activePatches } from "../patch/detect.ts";

/** The model a session's last request went to, and its context window (from chat.params). */
export interface Window {
  readonly model: string;
  readonly context: number;
}

/** What the plugin is, as loaded: on with an open archive, or off and why. */
export type PluginState =
  | { readonly on: true; readonly reason: string; readonly archivePath: string; readonly db: ArchiveAccess }
  | { readonly on: false; readonly reason: string; readonly archivePath?: string };

export interface EndlessStatus {
  readonly on: boolean;
  readonly reason: string;
  readonly archive?: { readonly path: string; readonly bytes: number; readonly walBytes: number };
  readonly session?: {
    readonly id: string;
    readonly outputsArchived: number;
    readonly compressed: number;
    readonly savedTokens: number;
    readonly requests: number;
    readonly savedPerRequestNow: number;
    readonly batches: number;
  };
  readonly total?: { readonly sessions: number; readonly outputsArchived: number; readonly savedTokens: number; readonly batches: number };
  /** The session's LLM observations; absent when no compression model is configured. */
  readonly compression?: CompressionBill;
  readonly fold?: string;
  readonly window?: Window & { readonly used?: number };
  readonly patches: readonly string[];
}

/** Size of a file, 0 when it does not exist. */
const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/** Where the session's fold stands, from its fold state in the archive. */
export function foldPosition(db: Database, sessionID: string): string {
  const { state, usable } = loadFold(db, sessionID);
  const window = usable === undefined ? "" : ` (usable window ${formatCount(usable)} tokens)`;
  if (state === undefined || state.folds === 0) return `none yet: every turn is sent${window}`;
  return `${formatCount(state.folds)} ${state.folds === 1 ? "fold" : "folds"}: the oldest turns are sent as the ledger digest (${formatCount(state.digestTokens)} tokens)${window}`;
}

/** Everything `/endless` reports for a session, read from the archive and the plugin's state. */
export function endlessStatus(input: {
  state: PluginState;
  sessionID: string;
  window?: Window;
  /** Input tokens opencode reported for the session's last request (input, cache read and write). */
  usedTokens?: number;
  /** Whether the options name a compression model for any provider. */
  compressionConfigured: boolean;
}): EndlessStatus {
  const patches = activePatches();
  const window = input.window === undefined ? undefined : { ...input.window, used: input.usedTokens };
  const { state } = input;
  if (!state.on) return { on: false, reason: state.reason, patches, window };
  // The file while it reads, else what the link keeps in memory.
  const db = readOn(state.db, (d) => d)!;
  const [stats] = sessionStats(db, input.sessionID);
  const session = requestTotals(db, input.sessionID);
  const total = archiveTotals(db);
  return {
    on: true,
    reason: state.reason,
    archive: { path: state.archivePath, bytes: sizeOf(state.archivePath), walBytes: sizeOf(`${state.archivePath}-wal`) },
    session: {
      id: input.sessionID,
      outputsArchived: stats?.toolCalls ?? 0,
      compressed: stats?.compressedCalls ?? 0,
      savedTokens: session.savedTokens,
      requests: session.requests,
      savedPerRequestNow: (stats?.compressedOutputTokens ?? 0) - (stats?.observationTokens ?? 0),
      batches: stats?.batches ?? 0,
    },
    total: { sessions: total.sessions, outputsArchived: total.toolCalls, savedTokens: requestTotals(db).savedTokens, batches: total.batches },
    ...(input.compressionConfigured && stats ? { compression: stats.compression } : {}),
    fold: foldPosition(db, input.sessionID),
    window,
    patches,
  };
}


function windowLine(window: EndlessStatus["window"]): string {
  if (window === undefined) return "not known yet (no request in this session since the plugin started)";
  const limit = window.context > 0 ? formatCount(window.context) : "an unknown number of";
  if (window.used === undefined) return `${limit} tokens on ${window.model}; no usage reported yet`;
  const share = window.context > 0 ? ` (${((window.used / window.context) * 100).toFixed(0)}%)` : "";
  return `${formatCount(window.used)} of ${limit} tokens${share} on ${window.model}, as opencode reported the last request`;
}

/** The status as the lines `/endless` shows in opencode. */
export function formatStatus(status: EndlessStatus): string {
  const lines = [`Endless: ${status.on ? "on" : "OFF"} (${status.reason})`];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(13)}${text}`);
  if (status.archive) {
    row("archive", `${status.archive.path}, ${formatBytes(status.archive.bytes)} (WAL ${formatBytes(status.archive.walBytes)})`);
  }
  const { session, total, compression } = status;
  if (session && total) {
    row("outputs", `${formatCount(session.outputsArchived)} archived in this session, ${formatCount(total.outputsArchived)} in all (${formatCount(total.sessions)} ${total.sessions === 1 ? "session" : "sessions"})`);
    row(
      "tokens saved",
      `${formatCount(session.savedTokens)} in this session over ${formatCount(session.requests)} requests (${formatCount(session.savedPerRequestNow)} fewer per request now), ${formatCount(total.savedTokens)} in all; tool-output tokens`,
    );
    row("cache", `${formatCount(session.batches)} rewrites caused by Endless in this session (one per batch), ${formatCount(total.batches)} in all`);
    row("frontier", session.batches === 0 ? "no batch yet: every output sent raw" : `batch ${formatCount(session.batches)}: ${formatCount(session.compressed)} of ${formatCount(session.outputsArchived)} outputs sent as observations`);
    if (status.fold !== undefined) row("folds", status.fold);
    row(
      "compression",
      compression
        ? `${formatCount(compression.spent.calls)} model calls, ${formatCount(compression.spent.inputTokens)} in + ${formatCount(compression.spent.outputTokens)} out tokens, ${formatUsd(compression.spent.costUsd)}; ${formatCount(compression.jobs.pending + compression.jobs.running)} jobs waiting, ${formatCount(compression.jobs.failed)} failed`
        : "no compression model configured (fast compressors only: 0 tokens, $0)",
    );
  }
  row("window", windowLine(status.window));
  row("patches", status.patches.length === 0 ? "none (stock opencode)" : status.patches.join(", "));
  return lines.join("\n");
}
