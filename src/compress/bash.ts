import {
  clip,
  DEFAULT_NAMES,
  budgetFor,
  excerpt,
  gapMarker,
  headTail,
  isShort,
  note,
  observe,
  sizeLine,
  splitLines,
  whole,
  type Section,
} from "./text.ts";
import { describeGroup, isNumeric, templateGroups } from "./template.ts";
import type { Observation, ToolCall } from "./types.ts";

const HEAD = 8;
const TAIL = 12;
const MAX_FLAGGED = 20;
const MAX_SUMMARIES = 10;
const WIDTH = 200;
/** Lines picked from the cut middle are cut shorter: the start of an error line says what it is. */
const FLAGGED_WIDTH = 160;

/** Lines worth surfacing from the cut middle of a long output. */
const TROUBLE =
  /\b(errors?|warn(ings?)?|fail(s|ed|ing|ures?)?|fatal|exceptions?|traceback|panic(ked)?|assert(ion)?|denied|refused|segmentation fault|aborted|cannot|could not|unable to|not found|no such file|undefined reference)\b/i;
/** Exception class names (TypeError, IOException) and runner markers (pytest "E   ", jest "●", crosses). */
const TROUBLE_SHAPES = /[A-Z]\w*(Error|Exception)\b|^E\s{2,}|^\s*[●✗✖✘×]\s/;

/** Summary lines of common test runners: bun, jest, vitest, pytest, go test, cargo, mocha, rspec. */
const TEST_SUMMARY = [
  /^\s*\d+ (pass|fail|skip|todo|snapshots?|expect\(\) calls)\b/,
  /^\s*Ran \d+ tests? across \d+ files?/,
  /^\s*(Tests|Test Suites|Snapshots):\s+\d/,
  /^\s*(Test Files|Tests)\s{2,}\d/,
  /^=+ .*\b(passed|failed|errors?|skipped|no tests ran)\b.* =+$/,
  /^(ok|FAIL)\s+\S+\s+(\d+(\.\d+)?s|\(cached\))/,
  /^(PASS|FAIL)$/,
  /^\s*test result: /,
  /^\s*\d+ (passing|failing|pending)\b/,
  /^\s*\d+ examples?, \d+ failures?/,
];

/** opencode appends a metadata block (timeout, abort; some versions the exit code) after the output. */
const METADATA_BLOCK = /^<(bash|shell)_metadata>\n?([\s\S]*?)\n?<\/\1_metadata>\s*$/;
const EXIT_LINE = /^\s*(?:exit code|exit status|exited with code)[:=]?\s*(-?\d+)\s*$/i;
const ANSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]/g;

/** What a terminal would show: colour codes dropped and carriage-return progress collapsed to its last frame. */
const terminalText = (line: string): string => {
  const plain = line.replace(ANSI, "");
  const frames = plain.split("\r").filter((frame) => frame.length > 0);
  return frames[frames.length - 1] ?? "";
};

const isTrouble = (line: string): boolean => TROUBLE.test(line) || TROUBLE_SHAPES.test(line);
const isSummary = (line: string): boolean => TEST_SUMMARY.some((pattern) => pattern.test(line));

interface Split {
  readonly body: string;
  readonly metadata: readonly string[];
}

/** The block is at the very end: match from its opening tag only, never across the whole output. */
function splitMetadata(output: string): Split {
  const start = Math.max(output.lastIndexOf("<bash_metadata>"), output.lastIndexOf("<shell_metadata>"));
  const match = start < 0 ? null : METADATA_BLOCK.exec(output.slice(start));
  if (!match) return { body: output, metadata: [] };
  const inner = (match[2] ?? "").split("\n").filter((line) => line.trim().length > 0);
  let end = start;
  while (end > 0 && output[end - 1] === "\n") end--;
  return { body: output.slice(0, end), metadata: inner };
}

/**
 * The exit code opencode recorded (`metadata.exit`), else the last explicit exit-code statement in the
 * output or its metadata block; never guessed.
 */
function findExitCode(call: ToolCall, lines: readonly string[], metadata: readonly string[]): string | undefined {
  const recorded = call.metadata?.exit;
  if (typeof recorded === "number" && Number.isInteger(recorded)) return String(recorded);
  const fromMeta = metadata.map((line) => /exit(?:\s*code)?\s*[:=]?\s*(-?\d+)/i.exec(line)?.[1]).filter(Boolean);
  if (fromMeta.length > 0) return fromMeta[fromMeta.length - 1];
  for (let i = lines.length - 1; i >= 0; i--) {
    const code = EXIT_LINE.exec(lines[i] ?? "")?.[1];
    if (code !== undefined) return code;
  }
  return undefined;
}

/**
 * Matching lines of the cut middle, deduplicated (repeats counted), numbered by their line in the output;
 * at most `max` of them and, after the first, no more than `chars` characters.
 */
function pick(
  lines: readonly string[],
  from: number,
  to: number,
  test: (line: string) => boolean,
  max: number,
  chars: number,
  lineOf: (k: number) => number,
): string[] {
  const seen = new Map<string, { line: number; text: string; times: number }>();
  for (let i = from; i < to; i++) {
    const text = lines[i] ?? "";
    if (!test(text)) continue;
    const key = text.trim();
    const entry = seen.get(key);
    if (entry) entry.times++;
    else seen.set(key, { line: lineOf(i) + 1, text, times: 1 });
  }
  const entries = [...seen.values()];
  const shown: string[] = [];
  let used = 0;
  for (const e of entries.slice(0, max)) {
    const line = `  L${e.line}: ${clip(e.text, FLAGGED_WIDTH)}${e.times > 1 ? ` (×${e.times})` : ""}`;
    used += line.length + 1;
    if (shown.length > 0 && used > chars) break;
    shown.push(line);
  }
  if (entries.length > shown.length) shown.push(`  … +${entries.length - shown.length} more`);
  return shown;
}

/**
 * Lines that repeat one template become one line each (see `template.ts`); error lines and test summaries are
 * never grouped, so they stay verbatim. Returns the group lines and the indices of the lines left to show.
 */
function grouped(lines: readonly string[]): { groups: string[]; rest: number[]; named: string } {
  const groups = templateGroups(lines, (line) => isTrouble(line) || isSummary(line));
  const covered = new Set(groups.flatMap((group) => group.lines));
  // A group whose fields are all numbers stands for every name in its lines (`/api/items/{1}`, 1..240); the
  // names of the other groups' lines are still listed.
  const counted = new Set(groups.filter((g) => g.fields.every((values) => values.every(isNumeric))).flatMap((g) => g.lines));
  return {
    groups: groups.map(describeGroup),
    rest: lines.flatMap((_, i) => (covered.has(i) ? [] : [i])),
    named: lines.filter((_, i) => !counted.has(i)).join("\n"),
  };
}

export function compressBash(call: ToolCall): Observation {
  if (isShort(call.output)) return whole(call, "bash");
  const { body, metadata } = splitMetadata(call.output);
  const all = splitLines(body).map(terminalText);
  const exit = findExitCode(call, all, metadata);
  const { groups, rest, named } = grouped(all);
  // Head, tail and the picks from the middle are taken from the lines no template covers; numbers stay the output's.
  const lines = rest.map((i) => all[i]!);
  const lineOf = (k: number) => rest[k]!;
  // The room for excerpts follows the text no template stands for.
  const budget = budgetFor(lines.reduce((n, line) => n + line.length + 1, 0));
  const cut = headTail(lines, HEAD, TAIL, { chars: budget, width: WIDTH });
  const gapEnd = cut.gapStart + cut.gapLength;
  const shown = cut.gapLength === 0 ? `the other lines, cut to ${WIDTH} chars` : `first ${cut.head.length} and last ${cut.tail.length} other lines`;
  // The command is not repeated: the call's input, sent right before this output, holds it.
  const sections: Section[] = [note(sizeLine("bash", `exit code ${exit ?? "not shown in output"}; ${groups.length > 0 ? "repeated lines as templates, " : ""}showing ${shown}`))];
  if (metadata.length > 0) sections.push(note("metadata:"), excerpt(metadata.map((line) => `  ${line}`)));
  if (groups.length > 0) sections.push(note("repeated lines (numbers are output lines):", ...groups.map((g) => `  ${g}`)));
  sections.push(excerpt(cut.head.map((line) => clip(line, WIDTH))));
  if (cut.gapLength > 0) {
    // Error lines and test summaries from the middle get as much room again as the head and tail.
    const flagged = pick(lines, cut.gapStart, gapEnd, (line) => isTrouble(line) && !isSummary(line), MAX_FLAGGED, budget, lineOf);
    const summaries = pick(lines, cut.gapStart, gapEnd, isSummary, MAX_SUMMARIES, budget / 2, lineOf);
    const found = flagged.length > 0 ? "; error/warning lines among them:" : "; no error/warning lines among them";
    const from = lineOf(cut.gapStart);
    sections.push(note(gapMarker(from, lineOf(gapEnd - 1) - from + 1, found)), excerpt(flagged));
    if (summaries.length > 0) sections.push(note("test summary lines among them:"), excerpt(summaries));
    if (flagged.length + summaries.length > 0) sections.push(note("… end of left-out lines"));
    sections.push(excerpt(cut.tail.map((line) => clip(line, WIDTH))));
  }
  return observe(call, "bash", sections, DEFAULT_NAMES, named);
}
