import { RECALL_TOOL } from "../config/schema.ts";
import { countTokens } from "../tokens/count.ts";
import type { Ledger } from "./schema.ts";

export interface DigestOptions {
  /** The digest never exceeds this many tokens, however long the session ran. */
  readonly budgetTokens: number;
  /** Tool calls folded out of the request (their lines are what the digest stands for). */
  readonly foldedCalls: number;
  /** Paths under this folder are shown relative to it. */
  readonly root?: string;
  /** Token counter (tests pass one they can work out by hand). */
  readonly count?: (text: string) => number;
}

/** A rendered digest and its tokens. */
export interface Digest {
  readonly text: string;
  /**
   * The sum of its lines' counts and one per line break: the tally the budget was kept with, so the text
   * need not be tokenized again on the request path (joined, it tokenizes within a few tokens of it).
   */
  readonly tokens: number;
}

/** The first line of every digest: what it is, and how to get any folded output back. */
export const DIGEST_MARK = "[endless: session ledger]";

const GOAL_CHARS = 800;
const REQUEST_CHARS = 240;

const clip = (text: string, max: number): string => {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const ranges = (r: readonly [number, number][]): string => r.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(", ");

/** A section's lines, made only as far as the digest's budget reaches (a long session has thousands). */
interface Lines {
  readonly length: number;
  at(i: number): string;
}

const linesOf = <T>(items: readonly T[], line: (item: T) => string): Lines => ({ length: items.length, at: (i) => line(items[i]!) });
const newestFirst = <T>(items: readonly T[], line: (item: T) => string): Lines => ({ length: items.length, at: (i) => line(items[items.length - 1 - i]!) });

interface Section {
  readonly title: string;
  /** Most important first: a section that does not fit keeps its first lines. */
  readonly lines: Lines;
  /** Said in place of the lines left out, given how many. */
  readonly more: (n: number) => string;
}

const byRecency = <T extends { lastCall: string }>(items: readonly T[], order: ReadonlyMap<string, number>): T[] =>
  [...items].sort((a, b) => (order.get(b.lastCall) ?? -1) - (order.get(a.lastCall) ?? -1));

/**
 * A count that remembers its answers for one render: each line is weighed against the budget, then added,
 * and each "… n more" line is weighed once per line shown before it.
 */
function remembered(count: (text: string) => number): (text: string) => number {
  const known = new Map<string, number>();
  return (text) => {
    let tokens = known.get(text);
    if (tokens === undefined) {
      tokens = count(text);
      known.set(text, tokens);
    }
    return tokens;
  };
}

/**
 * The plugin's count of digest lines, remembered across renders: most lines of a digest (a file, a command,
 * a call) were in the one before it, and a fold moves on the request path. Bounded: forgotten past a size.
 */
const LINES_REMEMBERED = 50_000;
let lineTokens = new Map<string, number>();
function countLine(text: string): number {
  let tokens = lineTokens.get(text);
  if (tokens === undefined) {
    if (lineTokens.size >= LINES_REMEMBERED) lineTokens = new Map();
    tokens = countTokens(text);
    lineTokens.set(text, tokens);
  }
  return tokens;
}

/**
 * Per tool, in the order tools first appear, how many of the oldest `n` calls it made (tools with none are
 * left out), for any `n` at the cost of the number of tools: the "… n older calls" line is weighed once per
 * call line shown, and counting the older calls anew each time made a long session's digest quadratic.
 */
function callsByTool(calls: readonly { readonly tool: string }[]): (n: number) => [string, number][] {
  const positions = new Map<string, number[]>();
  calls.forEach((c, i) => {
    const at = positions.get(c.tool);
    if (at === undefined) positions.set(c.tool, [i]);
    else at.push(i);
  });
  /** How many of the sorted positions are below n. */
  const below = (at: readonly number[], n: number) => {
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid]! < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return (n) => [...positions].flatMap(([tool, at]) => {
    const k = below(at, n);
    return k === 0 ? [] : [[tool, k] as [string, number]];
  });
}

/**
 * Renders the ledger as the text of the one message that stands in for folded turns. Bounded by
 * `budgetTokens`: sections come in order of what an agent needs after a fold (the goal, unresolved errors,
 * files changed, todos, requests, commands, files read, the newest calls); each keeps its most recent lines
 * and says how many more there are, and older calls are only counted per tool (their files and commands
 * are already aggregated above). Deterministic: the same ledger and options give the same bytes.
 */
export function renderDigest(ledger: Ledger, options: DigestOptions): Digest {
  const count = options.count === undefined ? countLine : remembered(options.count);
  const show = (path: string) => (options.root && path.startsWith(`${options.root}/`) ? path.slice(options.root.length + 1) : path);
  const order = new Map(ledger.calls.map((c, i) => [c.id, i]));
  const search = `${RECALL_TOOL}({"query":"words"})`;

  const head = [
    DIGEST_MARK,
    `The earlier part of this session (${options.foldedCalls} tool calls) is folded out of this request and summarised below, newest first within each section. Every tool output is archived whole: ${RECALL_TOOL}({"id":"<call id>"}) returns one, ${search} searches them.`,
  ];
  const goal = ledger.requests[0];
  if (goal !== undefined) head.push(`Goal (the first request): ${clip(goal.text, GOAL_CHARS)}`);

  const open = ledger.errors.filter((e) => e.resolvedBy === undefined).reverse();
  const resolved = ledger.errors.filter((e) => e.resolvedBy !== undefined).reverse();
  const changed = byRecency(ledger.files.filter((f) => f.writes + f.edits > 0), order);
  const read = byRecency(ledger.files.filter((f) => f.writes + f.edits === 0), order);
  const commands = byRecency(ledger.commands, order);
  const later = ledger.requests.slice(1).reverse();

  const sections: Section[] = [
    {
      title: "Unresolved errors",
      lines: linesOf(open, (e) => `- ${e.callID} ${e.tool} ${show(e.target)}: ${e.text}`),
      more: (n) => `- … ${n} older unresolved errors: ${search}`,
    },
    {
      title: "Files written or edited",
      lines: linesOf(changed, (f) => {
        const what = [f.writes > 0 ? `written ${f.writes}x` : "", f.edits > 0 ? `edited ${f.edits}x` : ""].filter((s) => s !== "").join(", ");
        return `- ${show(f.path)}: ${what}, last ${f.lastChange ?? f.lastCall}`;
      }),
      more: (n) => `- … ${n} more files changed earlier`,
    },
    {
      title: "Todo list",
      lines: linesOf(ledger.todos, (t) => `- [${t.status}] ${t.content}`),
      more: (n) => `- … ${n} more todos`,
    },
    {
      title: "Later user requests",
      lines: linesOf(later, (r) => `- ${clip(r.text, REQUEST_CHARS)}`),
      more: (n) => `- … ${n} earlier requests`,
    },
    {
      title: "Commands run",
      lines: linesOf(commands, (c) => {
        const exit = c.lastExit === null ? "" : `, last exit ${c.lastExit}`;
        const failures = c.failures > 0 ? `, ${c.failures} failed` : "";
        return `- \`${c.command}\`: ${c.runs}x${failures}${exit}, last ${c.lastCall}`;
      }),
      more: (n) => `- … ${n} more commands`,
    },
    {
      title: "Files read",
      lines: linesOf(read, (f) => `- ${show(f.path)}: ${f.ranges.length > 0 ? `lines ${ranges(f.ranges)}` : `${f.reads}x`}, last ${f.lastCall}`),
      more: (n) => `- … ${n} more files read`,
    },
    {
      title: "Resolved errors",
      lines: linesOf(resolved, (e) => `- ${e.callID} ${e.tool} ${show(e.target)}: ${clip(e.text, 100)} (${e.resolvedBy!.how} in ${e.resolvedBy!.callID})`),
      more: (n) => `- … ${n} more resolved errors`,
    },
    {
      title: "Tool calls (id tool target: outcome)",
      lines: newestFirst(ledger.calls, (c) => `- ${c.id} ${c.tool} ${show(c.target)}: ${c.outcome}`),
      more: (n) => `- … ${n} older calls: ${olderByTool(n).map(([tool, k]) => `${k} ${tool}`).join(", ")}`,
    },
  ];

  const olderByTool = callsByTool(ledger.calls);
  const out: string[] = [];
  let used = 0;
  const fits = (line: string) => used + count(line) + 1 <= options.budgetTokens;
  const add = (line: string) => {
    out.push(line);
    used += count(line) + 1;
  };
  // The head is always sent (the goal is clipped): it says what the message is and how to recall.
  for (const line of head) add(line);
  for (const section of sections) {
    if (section.lines.length === 0) continue;
    const title = `${section.title} (${section.lines.length}):`;
    // A section whose title and first line do not fit is skipped whole, with a one-line count.
    if (!fits(title)) break;
    const start = out.length;
    add(title);
    let shown = 0;
    for (let i = 0; i < section.lines.length; i++) {
      const line = section.lines.at(i);
      // Keep room for the "… n more" line that says what was left out.
      const reserve = shown + 1 < section.lines.length ? count(section.more(section.lines.length - shown - 1)) + 1 : 0;
      if (used + count(line) + 1 + reserve > options.budgetTokens) break;
      add(line);
      shown++;
    }
    if (shown === 0) {
      out.length = start;
      used = out.reduce((n, l) => n + count(l) + 1, 0);
      continue;
    }
    if (shown < section.lines.length) add(section.more(section.lines.length - shown));
  }
  // `used` counted a break after every line, the last one included.
  return { text: out.join("\n"), tokens: used - 1 };
}
