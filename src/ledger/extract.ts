import type { CommandEntry, ErrorEntry, FileEntry, Ledger } from "./schema.ts";

/** One finished tool call as the ledger needs it: from opencode's tool parts, or a replayed session. */
export interface LedgerCall {
  readonly callID: string;
  readonly tool: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The output the tool returned; for a failed call, its error text. */
  readonly output: string;
  /** The tool failed (opencode's error state, a transcript's is_error). */
  readonly error?: boolean;
  /** The command's exit code, when the host reports one (opencode's bash metadata `exit`). */
  readonly exit?: number;
}

/** The exit code in opencode's bash metadata (`exit`), when there is one. */
export function exitOf(metadata: unknown): number | undefined {
  const exit = typeof metadata === "object" && metadata !== null ? (metadata as { exit?: unknown }).exit : undefined;
  return typeof exit === "number" && Number.isInteger(exit) ? exit : undefined;
}

/** A stored user request is bounded: the digest shows less, and recall has the rest. */
const REQUEST_CHARS = 4_000;
const ERROR_CHARS = 200;
const TARGET_CHARS = 160;

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const oneLine = (text: string, max: number): string => {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};
// biome-ignore lint: the ESC control character is what ANSI colour codes start with.
const stripAnsi = (text: string): string => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");

/** What a call did to files, as the ledger classifies tools (opencode's, Claude Code's, SWE-agent's). */
type FileAction = { kind: "read" | "write" | "edit"; path: string };

const pathOf = (input: Readonly<Record<string, unknown>>): string | undefined =>
  str(input.filePath) ?? str(input.file_path) ?? str(input.path) ?? str(input.notebook_path);

/** Files an apply_patch text names (`*** Add File:`, `*** Update File:`, `*** Delete File:`). */
function patchFiles(patch: string): FileAction[] {
  const actions: FileAction[] = [];
  for (const match of patch.matchAll(/^\*\*\* (Add|Update|Delete) File: (.+)$/gm)) {
    actions.push({ kind: match[1] === "Add" ? "write" : "edit", path: match[2]!.trim() });
  }
  return actions;
}

function fileActions(call: LedgerCall): FileAction[] {
  const tool = call.tool.toLowerCase();
  const path = pathOf(call.input);
  if (tool === "apply_patch" || tool === "patch") return patchFiles(str(call.input.patchText) ?? str(call.input.patch) ?? "");
  if (path === undefined) return [];
  if (tool === "read" || tool === "view") return [{ kind: "read", path }];
  if (tool === "write" || tool === "create") return [{ kind: "write", path }];
  if (tool === "edit" || tool === "multiedit" || tool === "notebookedit") return [{ kind: "edit", path }];
  // SWE-agent / OpenHands editors carry the action in `command`.
  if (tool.includes("editor")) {
    const command = str(call.input.command);
    if (command === "view") return [{ kind: "read", path }];
    if (command === "create") return [{ kind: "write", path }];
    if (command !== undefined) return [{ kind: "edit", path }];
  }
  return [];
}

const commandOf = (call: LedgerCall): string | undefined => {
  const tool = call.tool.toLowerCase();
  if (tool !== "bash" && tool !== "shell" && tool !== "execute_bash" && tool !== "run_command") return undefined;
  const command = str(call.input.command) ?? str(call.input.cmd);
  return command === undefined ? undefined : oneLine(command, TARGET_CHARS);
};

/** What the call was about, in a few words: its file, command, pattern, url or first text field. */
export function targetOf(call: LedgerCall): string {
  const files = fileActions(call);
  if (files.length > 0) return oneLine(files.map((f) => f.path).join(", "), TARGET_CHARS);
  const command = commandOf(call);
  if (command !== undefined) return command;
  const input = call.input;
  const pattern = str(input.pattern) ?? str(input.query);
  if (pattern !== undefined) return oneLine(str(input.path) ? `${pattern} in ${str(input.path)}` : pattern, TARGET_CHARS);
  if (call.tool === "todowrite" && Array.isArray(input.todos)) return `${input.todos.length} todos`;
  const first = str(input.url) ?? str(input.description) ?? str(input.id) ?? Object.values(input).find((v) => typeof v === "string");
  return typeof first === "string" ? oneLine(first, TARGET_CHARS) : "";
}

/** Line range a read returned: the first and last numbered lines of opencode's output ("12: …" or "00012| …"). */
function readRange(call: LedgerCall): [number, number] | undefined {
  const numbers = [...call.output.matchAll(/^\s*0*(\d+)(?:: |\| )/gm)].map((m) => Number(m[1]));
  const first = numbers[0];
  const last = numbers.at(-1);
  if (first !== undefined && last !== undefined && first > 0 && last >= first) return [first, last];
  const offset = typeof call.input.offset === "number" ? call.input.offset : undefined;
  const limit = typeof call.input.limit === "number" ? call.input.limit : undefined;
  if (offset !== undefined && limit !== undefined && limit > 0) return [Math.max(1, offset), Math.max(1, offset) + limit - 1];
  return undefined;
}

/** Merges a range into sorted, disjoint ranges (touching ranges join). */
export function mergeRange(ranges: readonly [number, number][], range: [number, number]): [number, number][] {
  const all = [...ranges, range].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of all) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

// "error" also inside words (TypeError, ERROR:); the others as words.
const ERROR_LINE = /error|\b(fail|failed|failure|exception|traceback|fatal|panic|cannot|not found|no such file|undefined reference)\b/i;

/** The line that says what went wrong: the first error-like line, else the first non-empty one. */
export function errorLine(output: string): string {
  const lines = stripAnsi(output).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return oneLine(lines.find((l) => ERROR_LINE.test(l)) ?? lines[0] ?? "(no output)", ERROR_CHARS);
}

/** Relative or absolute file paths named in the error lines of an output. */
function pathsInErrors(output: string): string[] {
  const lines = stripAnsi(output).split("\n").filter((l) => ERROR_LINE.test(l));
  const found = new Set<string>();
  for (const line of lines) {
    for (const match of line.matchAll(/(?:^|[\s("'`])((?:[\w.@-]+\/)*[\w@-][\w.@-]*\.[A-Za-z][\w]{0,5})(?=[:(\s"'`,]|$)/g)) {
      found.add(match[1]!.replace(/^\.\//, ""));
    }
  }
  return [...found].slice(0, 8);
}

/** A path the error names and a path a later call changed are the same file when one ends the other. */
const samePath = (a: string, b: string): boolean => a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);

const lineCount = (text: string): number => (text === "" ? 0 : text.split("\n").length);

function failed(call: LedgerCall): boolean {
  if (call.error) return true;
  return call.exit !== undefined && call.exit !== 0;
}

function outcomeOf(call: LedgerCall, files: readonly FileAction[]): string {
  if (call.error) return `failed: ${oneLine(errorLine(call.output), 80)}`;
  if (call.exit !== undefined) return `exit ${call.exit}, ${lineCount(call.output)} lines`;
  const read = files.find((f) => f.kind === "read");
  if (read !== undefined) {
    const range = readRange(call);
    return range === undefined ? `${lineCount(call.output)} lines` : `lines ${range[0]}-${range[1]}`;
  }
  if (files.some((f) => f.kind === "write")) return "written";
  if (files.some((f) => f.kind === "edit")) return "edited";
  const matches = /Found (\d+) (matches|files)/i.exec(call.output);
  if (matches) return `${matches[1]} ${matches[2]!.toLowerCase()}`;
  return `${lineCount(call.output)} lines`;
}

function fileEntry(ledger: Ledger, path: string, callID: string): FileEntry {
  let entry = ledger.files.find((f) => f.path === path);
  if (entry === undefined) {
    entry = { path, ranges: [], reads: 0, writes: 0, edits: 0, lastCall: callID };
    ledger.files.push(entry);
  }
  entry.lastCall = callID;
  return entry;
}

function commandEntry(ledger: Ledger, command: string, callID: string): CommandEntry {
  let entry = ledger.commands.find((c) => c.command === command);
  if (entry === undefined) {
    entry = { command, runs: 0, failures: 0, lastExit: null, lastCall: callID };
    ledger.commands.push(entry);
  }
  entry.lastCall = callID;
  return entry;
}

function resolve(errors: readonly ErrorEntry[], matches: (e: ErrorEntry) => boolean, callID: string, how: "passed" | "edited" | "retried"): void {
  for (const error of errors) if (error.resolvedBy === undefined && matches(error)) error.resolvedBy = { callID, how };
}

/**
 * Records a user request. Applied in place (the ledger is the caller's working state), deterministic:
 * the same requests and calls in the same order give the same ledger.
 */
export function recordRequest(ledger: Ledger, id: string, text: string): void {
  const trimmed = text.trim();
  if (trimmed === "" || ledger.requests.some((r) => r.id === id)) return;
  ledger.requests.push({ id, text: trimmed.length > REQUEST_CHARS ? `${trimmed.slice(0, REQUEST_CHARS - 1)}…` : trimmed });
}

/** Records one finished tool call (in place; a call already recorded is ignored). */
export function recordCall(ledger: Ledger, call: LedgerCall): void {
  if (ledger.calls.some((c) => c.id === call.callID)) return;
  const files = fileActions(call);
  const command = commandOf(call);
  const target = targetOf(call);
  const bad = failed(call);
  ledger.calls.push({ id: call.callID, tool: call.tool, target, outcome: outcomeOf(call, files) });

  if (!bad) {
    for (const file of files) {
      const entry = fileEntry(ledger, file.path, call.callID);
      if (file.kind === "read") {
        entry.reads++;
        const range = readRange(call);
        if (range !== undefined) entry.ranges = mergeRange(entry.ranges, range);
      } else {
        if (file.kind === "write") entry.writes++;
        else entry.edits++;
        entry.lastChange = call.callID;
        resolve(ledger.errors, (e) => e.files.some((f) => samePath(f, file.path)) || (e.tool !== "bash" && samePath(e.target, file.path)), call.callID, "edited");
      }
    }
    if (command !== undefined) resolve(ledger.errors, (e) => e.target === command, call.callID, "passed");
    else resolve(ledger.errors, (e) => e.tool === call.tool && e.target === target, call.callID, "retried");
  }
  if (command !== undefined) {
    const entry = commandEntry(ledger, command, call.callID);
    entry.runs++;
    if (bad) entry.failures++;
    entry.lastExit = call.exit ?? null;
  }
  if (bad) {
    ledger.errors.push({ callID: call.callID, tool: call.tool, target, text: errorLine(call.output), files: pathsInErrors(call.output) });
  }
  if (call.tool === "todowrite" && Array.isArray(call.input.todos) && !bad) {
    ledger.todos = call.input.todos.flatMap((t) => {
      if (typeof t !== "object" || t === null) return [];
      const todo = t as Record<string, unknown>;
      const content = str(todo.content);
      if (content === undefined) return [];
      return [{ content: oneLine(content, 200), status: str(todo.status) ?? "pending", ...(str(todo.priority) ? { priority: str(todo.priority)! } : {}) }];
    });
  }
}
