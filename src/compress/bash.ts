import {
  clip,
  excerpt,
  gapMarker,
  headTail,
  inputString,
  isShort,
  note,
  observe,
  plural,
  sizeLine,
  splitLines,
  whole,
  type Section,
} from "./text.ts";
import type { Observation, ToolCall } from "./types.ts";

const HEAD = 15;
const TAIL = 25;
const MAX_FLAGGED = 40;
const MAX_SUMMARIES = 20;
const WIDTH = 300;

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
const METADATA_BLOCK = /\n*<(bash|shell)_metadata>\n?([\s\S]*?)\n?<\/\1_metadata>\s*$/;
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

function splitMetadata(output: string): Split {
  const match = METADATA_BLOCK.exec(output);
  if (!match) return { body: output, metadata: [] };
  const inner = (match[2] ?? "").split("\n").filter((line) => line.trim().length > 0);
  return { body: output.slice(0, match.index), metadata: inner };
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

/** Matching lines of the cut middle, deduplicated (repeats counted), numbered by their line in the output. */
function pick(lines: readonly string[], from: number, to: number, test: (line: string) => boolean, max: number): string[] {
  const seen = new Map<string, { line: number; text: string; times: number }>();
  for (let i = from; i < to; i++) {
    const text = lines[i] ?? "";
    if (!test(text)) continue;
    const key = text.trim();
    const entry = seen.get(key);
    if (entry) entry.times++;
    else seen.set(key, { line: i + 1, text, times: 1 });
  }
  const entries = [...seen.values()];
  const shown = entries.slice(0, max).map((e) => `  L${e.line}: ${clip(e.text, WIDTH)}${e.times > 1 ? ` (×${e.times})` : ""}`);
  if (entries.length > max) shown.push(`  … +${entries.length - max} more`);
  return shown;
}

function commandLine(call: ToolCall): string {
  const command = inputString(call, "command") ?? "(command not given)";
  const [first = "", ...rest] = command.split("\n");
  const more = rest.length > 0 ? ` (+${plural(rest.length, "more line")})` : "";
  const description = inputString(call, "description");
  return `$ ${clip(first, 200)}${more}${description === undefined ? "" : `  # ${description}`}`;
}

export function compressBash(call: ToolCall): Observation {
  if (isShort(call.output)) return whole(call, "bash");
  const { body, metadata } = splitMetadata(call.output);
  const lines = splitLines(body).map(terminalText);
  const exit = findExitCode(call, lines, metadata);
  const cut = headTail(lines, HEAD, TAIL);
  const gapEnd = cut.gapStart + cut.gapLength;
  const shown = cut.gapLength === 0 ? `all lines, cut to ${WIDTH} chars` : `first ${cut.head.length} and last ${cut.tail.length} lines`;
  const sections: Section[] = [note(commandLine(call), sizeLine("bash", call.output, `exit code ${exit ?? "not shown in output"}; showing ${shown}`))];
  if (metadata.length > 0) sections.push(note("metadata:"), excerpt(metadata.map((line) => `  ${line}`)));
  sections.push(excerpt(cut.head.map((line) => clip(line, WIDTH))));
  if (cut.gapLength > 0) {
    const flagged = pick(lines, cut.gapStart, gapEnd, (line) => isTrouble(line) && !isSummary(line), MAX_FLAGGED);
    const summaries = pick(lines, cut.gapStart, gapEnd, isSummary, MAX_SUMMARIES);
    const found = flagged.length > 0 ? "; error/warning lines among them:" : "; no error/warning lines among them";
    sections.push(note(gapMarker(cut.gapStart, cut.gapLength, found)), excerpt(flagged));
    if (summaries.length > 0) sections.push(note("test summary lines among them:"), excerpt(summaries));
    if (flagged.length + summaries.length > 0) sections.push(note("… end of left-out lines"));
    sections.push(excerpt(cut.tail.map((line) => clip(line, WIDTH))));
  }
  return observe(call, "bash", sections);
}
