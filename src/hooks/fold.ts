/**
 * @module
 * The folding side of `experimental.chat.messages.transform`, plus what it learns from other hooks: the
 * model's window (`chat.params`, `experimental.chat.system.transform`: the transform itself gets no model
 * on stock opencode) and the usage opencode reports (the last assistant message's tokens).
 */
import type { Message, Part, TextPart, ToolPart } from "@opencode-ai/sdk";
import { type ModelLimit, usableInputTokens } from "../tokens/window.ts";
import { findFold, type FoldRecord, type LedgerStore, NO_FOLD, saveFold } from "../archive/ledger.ts";
import { type ArchiveAccess, readOn, writeOn } from "../archive/access.ts";
import { recallHandle } from "../compress/handle.ts";
import type { FoldOptions } from "../config/schema.ts";
import type { CallView, SessionStore } from "../context/engine.ts";
import { applyFold, type FoldState, fitToRoom, foldedIndex, foldMarks, keptFrom, planFold } from "../context/fold.ts";
import { renderDigest } from "../ledger/digest.ts";
import { exitOf } from "../ledger/extract.ts";
import type { Logger } from "../log/logger.ts";
import { countTokens } from "../tokens/count.ts";

export type WireMessage = { info: Message; parts: Part[] };

/** Tokens a message costs beyond its parts' text (role, block framing), and a tool call beyond its input and output. */
const MESSAGE_FRAMING = 8;
const TOOL_FRAMING = 24;

export interface Folder {
  /** Remembers the model's window for the session (from `chat.params` or the system transform). */
  learnLimit(sessionID: string, limit: ModelLimit | undefined): void;
  /**
   * Index of the first message after those the fold takes out of this request while it stays (1: none).
   * The messages between the first and it are not sent: the transform need not shape them.
   */
  shownFrom(sessionID: string, messages: readonly WireMessage[]): number;
  /**
   * Records the user requests and tool calls the ledger has not seen in `messages[from..]`, in message order
   * (the transform starts past the folded messages once it has seen a session's whole history).
   */
  record(sessionID: string, messages: readonly WireMessage[], from?: number): void;
  /**
   * Folds what is sent, in place: `messages` is the request's copy (observations already applied).
   * `rawOutputs`: token counts the transform already made of outputs as it sends them, by call id (the fold
   * takes the map over: an output it clamps is no longer raw).
   */
  fold(sessionID: string, messages: WireMessage[], unseen: ReadonlySet<string>, rawOutputs?: Map<string, number>): Promise<void>;
  /** The ledger digest for a summariser (opencode's compaction), at the digest budget. */
  digest(sessionID: string): string;
}

/** One move of the fold, as the user is told of it. */
export interface FoldEvent {
  readonly sessionID: string;
  readonly folds: number;
  readonly messages: number;
  readonly freedTokens: number;
  readonly digestTokens: number;
}

interface Session {
  record: FoldRecord;
  /** Tokens of the messages of the last request this session sent (to learn the overhead from its usage). */
  lastSent?: number;
  /** The assistant message whose usage was last used. */
  usageFrom?: string;
}

const messageID = (m: WireMessage): string => m.info.id;

const userText = (m: WireMessage): string =>
  m.parts
    .filter((p): p is TextPart => p.type === "text" && !p.synthetic && !p.ignored)
    .map((p) => p.text)
    .join("\n");

/** Reported input tokens of the newest assistant message that has any, with its id. */
function reportedUsage(messages: readonly WireMessage[]): { id: string; tokens: number } | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const info = messages[i]!.info;
    if (info.role !== "assistant") continue;
    const t = info.tokens;
    const total = (t?.input ?? 0) + (t?.cache?.read ?? 0) + (t?.cache?.write ?? 0);
    if (total > 0) return { id: info.id, tokens: total };
  }
  return undefined;
}

/**
 * A cheap fingerprint of a tool input: its key count and the lengths of its top-level string fields. An
 * input changes between requests only when a stand-in replaces a bulky field, which changes its length;
 * serialising every input of a long session on every request would cost more than the rest of the fold.
 */
function shallowSize(input: Record<string, unknown>): number {
  let size = 0;
  for (const key in input) {
    const value = input[key];
    size += 1_000_003 + (typeof value === "string" ? value.length : 1);
  }
  return size;
}

/** A part's counts and the sizes they were made at: its text or output, and (a tool part) its input. */
interface Counted {
  size: number;
  tokens: number;
  inputSize: number;
  inputTokens: number;
}

/**
 * Per-part token counts, remembered by part id and recounted only when the text's size changes (a render,
 * a stand-in): a request between two batches tokenizes nothing it has seen before.
 */
function partTokens(rawOutputTokens: () => ReadonlyMap<string, number>): (part: Part) => number {
  const known = new Map<string, Counted>();
  const entry = (id: string): Counted => {
    let counted = known.get(id);
    if (counted === undefined) {
      counted = { size: -1, tokens: 0, inputSize: -1, inputTokens: 0 };
      known.set(id, counted);
    }
    return counted;
  };
  return (part) => {
    if (part.type === "text" || part.type === "reasoning") {
      const counted = entry(part.id);
      if (counted.size !== part.text.length) {
        counted.tokens = countTokens(part.text);
        counted.size = part.text.length;
      }
      return counted.tokens;
    }
    if (part.type !== "tool") return 0;
    const counted = entry(part.id);
    const input = part.state.input ?? {};
    const inputSize = shallowSize(input);
    if (counted.inputSize !== inputSize) {
      counted.inputTokens = countTokens(JSON.stringify(input));
      counted.inputSize = inputSize;
    }
    const out = part.state.status === "completed" ? part.state.output : part.state.status === "error" ? part.state.error : "";
    if (counted.size !== out.length) {
      // An output sent raw was counted by the transform already: its count is taken, not made again.
      const hint = part.state.status === "completed" ? rawOutputTokens().get(part.callID) : undefined;
      counted.tokens = hint ?? countTokens(out);
      counted.size = out.length;
    }
    return TOOL_FRAMING + counted.inputTokens + counted.tokens;
  };
}

export function createFolder(deps: {
  db: ArchiveAccess;
  ledgers: LedgerStore;
  store: SessionStore;
  options: FoldOptions;
  log: Logger;
  /** Paths under it are shown relative in the digest (the project's directory). */
  root?: string;
  /** Told of each fold move: tokens of turns it took out of what is sent, less the growth of the digest. */
  onFold?: (event: FoldEvent) => void;
  /**
   * Has the changed ledgers written in idle time (the plugin's idle work, while the model streams); absent:
   * a fold move writes its session's ledger at once.
   */
  persistSoon?: () => void;
}): Folder {
  const sessions = new Map<string, Session>();
  let rawOutputs = new Map<string, number>();
  const tokensOf = partTokens(() => rawOutputs);
  const messageTokens = (m: WireMessage) => MESSAGE_FRAMING + m.parts.reduce((n, p) => n + tokensOf(p), 0);
  const ratios = { high: deps.options.highRatio, low: deps.options.lowRatio, digest: deps.options.digestRatio, digestMax: deps.options.digestMaxTokens };

  const session = (sessionID: string): Session => {
    let s = sessions.get(sessionID);
    if (s === undefined) {
      s = { record: readOn(deps.db, (db) => findFold(db, sessionID)) ?? NO_FOLD };
      sessions.set(sessionID, s);
    }
    return s;
  };
  const save = (sessionID: string, s: Session, record: FoldRecord) => {
    writeOn(deps.db, (db) => saveFold(db, sessionID, record));
    s.record = record;
  };

  const render = (sessionID: string, budget: number, foldedCalls: number) => {
    return renderDigest(deps.ledgers.get(sessionID), { budgetTokens: budget, foldedCalls, root: deps.root });
  };

  /** The synthetic user message that carries the digest: the first message's info under an id of its own. */
  const digestMessage = (first: WireMessage, folds: number) => (text: string): WireMessage => {
    const id = `${first.info.id}_endless_ledger`;
    const part = { id: `${id}_${folds}`, sessionID: first.info.sessionID, messageID: id, type: "text", text } as TextPart;
    const info = first.info.role === "user" ? { ...first.info, id } : ({ ...first.info, id, role: "user" } as unknown as Message);
    return { info, parts: [part] };
  };

  /**
   * An output the model has not read that would push the request past the ceiling is sent as its
   * observation (cut to what fits if even that is too large), frozen in the compression frontier so
   * later requests send it the same way.
   */
  async function clampUnread(sessionID: string, sent: WireMessage[], estimate: number, ceiling: number, unseen: ReadonlySet<string>): Promise<number> {
    if (estimate <= ceiling) return estimate;
    const unread = sent
      .flatMap((m) => m.parts)
      .filter((p): p is ToolPart & { state: { status: "completed"; output: string } } => p.type === "tool" && p.state.status === "completed" && unseen.has(p.callID))
      .sort((a, b) => tokensOf(b) - tokensOf(a));
    const frontier = await deps.store.load(sessionID);
    const renders = new Map(frontier.renders);
    for (const part of unread) {
      if (estimate <= ceiling) break;
      const before = tokensOf(part);
      const call: CallView = { callID: part.callID, tool: part.tool, input: part.state.input, output: part.state.output, metadata: part.state.metadata, tokens: before };
      const room = ceiling - (estimate - before) - TOOL_FRAMING;
      const handle = recallHandle(part.callID, part.state.output, { lines: 0 });
      const text = fitToRoom(await deps.store.observe(sessionID, call), room, countTokens, handle);
      if (text.length >= part.state.output.length) continue;
      part.state.output = text;
      // No longer raw: its count is made anew.
      rawOutputs.delete(part.callID);
      renders.set(part.callID, text);
      estimate += tokensOf(part) - before;
      deps.log("info", `session ${sessionID}: output ${part.callID} would pass the window's ceiling (${ceiling} tokens): sent as its observation at once`);
    }
    if (renders.size !== frontier.renders.size) await deps.store.save(sessionID, { ...frontier, renders });
    return estimate;
  }

  return {
    learnLimit(sessionID, limit) {
      const usable = usableInputTokens(limit);
      if (usable === undefined) return;
      const s = session(sessionID);
      if (s.record.usable !== usable) save(sessionID, s, { ...s.record, usable });
    },

    shownFrom(sessionID, messages) {
      return keptFrom(messages, messageID, session(sessionID).record.state);
    },

    record(sessionID, messages, from = 0) {
      for (let i = from; i < messages.length; i++) {
        const m = messages[i]!;
        if (m.info.role === "user") {
          deps.ledgers.recordRequest(sessionID, m.info.id, userText(m));
          continue;
        }
        for (const p of m.parts) {
          if (p.type !== "tool" || deps.ledgers.has(sessionID, p.callID)) continue;
          const state = p.state;
          if (state.status === "completed") {
            deps.ledgers.recordCall(sessionID, { callID: p.callID, tool: p.tool, input: state.input ?? {}, output: state.output, exit: exitOf(state.metadata) });
          } else if (state.status === "error") {
            deps.ledgers.recordCall(sessionID, { callID: p.callID, tool: p.tool, input: state.input ?? {}, output: state.error, error: true });
          }
        }
      }
    },

    async fold(sessionID, messages, unseen, raw = new Map()) {
      rawOutputs = raw;
      const first = messages[0];
      if (!deps.options.enabled || first === undefined) return;
      const s = session(sessionID);
      // Only the messages the fold still sends are weighed: those it took out stay out until it moves on.
      const from = keptFrom(messages, messageID, s.record.state);
      const units = messages.slice(from).map((m) => ({ id: m.info.id, tokens: messageTokens(m) }));
      const tokensByID = new Map(units.map((u) => [u.id, u.tokens]));
      const firstTokens = messageTokens(first);

      // Learn what the request carries beyond its messages from the usage reported for the last one.
      const usage = reportedUsage(messages);
      let overhead = s.record.overhead ?? 0;
      if (usage !== undefined && usage.id !== s.usageFrom && s.lastSent !== undefined) {
        overhead = Math.max(0, usage.tokens - s.lastSent);
        s.usageFrom = usage.id;
      }

      let state: FoldState | undefined = s.record.state;
      let moved = false;
      const usable = s.record.usable;
      if (usable !== undefined) {
        // The first message is remembered from the start: another one later means opencode compacted, and
        // the ledger goes again.
        if (state === undefined) {
          state = { anchor: first.info.id, folds: 0, digest: "", digestTokens: 0 };
          moved = true;
        } else if (state.anchor !== first.info.id) {
          const digest = render(sessionID, foldMarks(usable, 0, ratios).digestBudget, deps.ledgers.get(sessionID).calls.length);
          state = { anchor: first.info.id, folds: state.folds, digest: digest.text, digestTokens: digest.tokens };
          moved = true;
        }
        const fixed = overhead + firstTokens;
        const marks = foldMarks(usable, fixed, ratios);
        const firstUnseen = units.findIndex((_, i) => messages[from + i]!.parts.some((p) => p.type === "tool" && unseen.has(p.callID)));
        const foldable = Math.min(units.length - deps.options.keepNewest, firstUnseen === -1 ? units.length : firstUnseen);
        const plan = planFold({ units, foldable, fixedTokens: fixed, state, marks });
        if (plan.moved) {
          const before = foldedIndex(units, state?.through);
          const through = foldedIndex(units, plan.through);
          let foldedCalls = 0;
          for (let i = 1; i <= from + through; i++) for (const p of messages[i]!.parts) if (p.type === "tool") foldedCalls++;
          const digest = render(sessionID, marks.digestBudget, foldedCalls);
          state = { anchor: first.info.id, through: plan.through, folds: (state?.folds ?? 0) + 1, digest: digest.text, digestTokens: digest.tokens };
          moved = true;
          deps.log("info", `session ${sessionID}: fold ${state.folds}: ${through + 1} messages (${foldedCalls} tool calls) sent as the ledger digest (${digest.tokens} tokens); the request was ~${plan.estimate} of ${usable} usable`);
          const taken = units.slice(before + 1, through + 1).reduce((n, u) => n + u.tokens, 0);
          const freedTokens = taken - (digest.tokens - (s.record.state?.digestTokens ?? 0));
          deps.onFold?.({ sessionID, folds: state.folds, messages: through - before, freedTokens, digestTokens: digest.tokens });
        }
      }
      if (moved) {
        // The digest sent is in the fold record, written before it is sent. The ledger it was rendered from
        // need not wait for the request: after a restart, `record` adds back from opencode's messages every
        // call and request the archive's copy lacks.
        if (deps.persistSoon !== undefined) deps.persistSoon();
        else deps.ledgers.persist(sessionID);
        save(sessionID, s, { ...s.record, state, overhead });
      } else if (Math.abs(overhead - (s.record.overhead ?? 0)) > 256) {
        save(sessionID, s, { ...s.record, overhead });
      }

      const sent = applyFold(messages, messageID, state, digestMessage(first, state?.folds ?? 0));
      const digestTokens = state?.digest ? state.digestTokens + MESSAGE_FRAMING : 0;
      let estimate = overhead + firstTokens + digestTokens + sent.slice(1).reduce((n, m) => n + (tokensByID.get(m.info.id) ?? 0), 0);
      if (usable !== undefined) estimate = await clampUnread(sessionID, sent, estimate, Math.floor(usable * deps.options.ceilingRatio), unseen);
      s.lastSent = estimate - overhead;
      messages.splice(0, messages.length, ...sent);
    },

    digest(sessionID) {
      const usable = session(sessionID).record.usable;
      const budget = usable === undefined ? deps.options.digestMaxTokens : foldMarks(usable, 0, ratios).digestBudget;
      return render(sessionID, budget, deps.ledgers.get(sessionID).calls.length).text;
    },
  };
}
