/**
 * Template grouping of repetitive lines: lines that differ only in their numbers, ids and paths share a
 * template, and the parts that vary become fields. A group of many lines is then shown once, as its template
 * with each field summarised (one value, a counted sequence, a range, or its values), instead of a sample of
 * lines and a list of the names in them.
 *
 * @module
 */
import { clip } from "./text.ts";

/** Runs of word characters; a run with a digit or a slash in it is a field (a counter, a size, a time, an id, a path). */
const RUN = /[\w.\/@:+~-]+/g;
const IS_FIELD = /[\d\/]/;
/** Longer lines are not grouped: templates are for the short lines logs repeat, and this keeps the scan linear. */
const MAX_LINE = 400;
/** Marks a field in a template; it never occurs in text that went through `terminalText`/`splitLines`. */
export const SLOT = "\u0000";

/** Fewer lines than this are shown as they are: a template line and its fields would not be shorter. */
const MIN_GROUP = 4;
/**
 * Repetition comes in runs (a loop's lines, maybe alternating with another's): a group's lines are at most
 * this far apart. Lines of one shape scattered over an output (entries of a lock file) are its structure,
 * better shown by its head and tail than by a template.
 */
const MAX_STRIDE = 2;
const VALUES_SHOWN = 3;
const VALUE_WIDTH = 60;
const TEMPLATE_WIDTH = 200;

export interface TemplateGroup {
  /** Literal text with `SLOT` where each field goes. */
  readonly template: string;
  /** Indices of the lines it covers, ascending. */
  readonly lines: readonly number[];
  /** Per field, the value on each covered line, in line order. */
  readonly fields: readonly (readonly string[])[];
}

/** A line's template and its field values. Field values keep what they share with each other out of the template. */
function split(line: string): { skeleton: string; values: string[] } {
  const values: string[] = [];
  const skeleton = line.replace(RUN, (run) => (IS_FIELD.test(run) ? (values.push(run), SLOT) : run));
  return { skeleton, values };
}

/** The longest prefix and suffix every value shares, so `/api/items/1`…`/api/items/240` varies only in `1`…`240`. */
function sharedEnds(values: readonly string[]): { prefix: string; suffix: string } {
  let prefix = values[0] ?? "";
  let suffix = prefix;
  for (const value of values) {
    while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
    while (!value.endsWith(suffix)) suffix = suffix.slice(1);
  }
  // A prefix or suffix never eats digits off a number (`10`, `11` share `1`, which is not literal text).
  prefix = prefix.replace(/[\d.]+$/, "");
  suffix = suffix.replace(/^[\d.]+/, "");
  const shortest = Math.min(...values.map((v) => v.length));
  if (prefix.length + suffix.length > shortest) suffix = suffix.slice(prefix.length + suffix.length - shortest);
  return { prefix, suffix };
}

/** Moves the shared ends of every field into the template; fields that are the same on every line become literal. */
function tighten(skeleton: string, fields: readonly (readonly string[])[]): { template: string; fields: string[][] } {
  const pieces = skeleton.split(SLOT);
  let template = pieces[0] ?? "";
  const kept: string[][] = [];
  fields.forEach((values, i) => {
    const { prefix, suffix } = sharedEnds(values);
    const inner = values.map((v) => v.slice(prefix.length, v.length - suffix.length));
    const same = inner.every((v) => v === inner[0]);
    template += same ? `${prefix}${inner[0] ?? ""}${suffix}` : `${prefix}${SLOT}${suffix}`;
    if (!same) kept.push(inner);
    template += pieces[i + 1] ?? "";
  });
  return { template, fields: kept };
}

/**
 * Groups of at least MIN_GROUP lines sharing a template with at least one field, each a run (at most MAX_STRIDE
 * lines between two of its lines), in the order of their first line. Lines for which `keep` is true (error lines, say) are never grouped. Deterministic.
 */
export function templateGroups(lines: readonly string[], keep: (line: string) => boolean = () => false): TemplateGroup[] {
  const bySkeleton = new Map<string, { lines: number[]; values: string[][] }>();
  lines.forEach((line, index) => {
    if (line.trim() === "" || line.length > MAX_LINE || line.includes(SLOT) || keep(line)) return;
    const { skeleton, values } = split(line);
    if (values.length === 0) return;
    const entry = bySkeleton.get(skeleton);
    if (entry) {
      entry.lines.push(index);
      entry.values.push(values);
    } else bySkeleton.set(skeleton, { lines: [index], values: [values] });
  });
  const groups: TemplateGroup[] = [];
  for (const [skeleton, entry] of bySkeleton) {
    // A template must say something: lines that are nothing but fields (`ls` names, bare numbers) stay lines.
    if (!/[A-Za-z]{2}/.test(skeleton)) continue;
    for (const run of runs(entry.lines)) {
      if (run.length < MIN_GROUP) continue;
      const rows = run.map((k) => entry.values[k]!);
      const columns = rows[0]!.map((_, f) => rows.map((row) => row[f]!));
      const { template, fields } = tighten(skeleton, columns);
      groups.push({ template, lines: run.map((k) => entry.lines[k]!), fields });
    }
  }
  return groups.sort((a, b) => a.lines[0]! - b.lines[0]!);
}

/** Positions in `indices` (ascending line numbers) split where two neighbours are more than MAX_STRIDE apart. */
function runs(indices: readonly number[]): number[][] {
  const out: number[][] = [];
  indices.forEach((line, k) => {
    if (k > 0 && line - indices[k - 1]! <= MAX_STRIDE) out[out.length - 1]!.push(k);
    else out.push([k]);
  });
  return out;
}

/** The lines a group covers, rebuilt from its template and fields (the property tests check this is exact). */
export function regenerate(group: TemplateGroup): string[] {
  return group.lines.map((_, row) => {
    let field = 0;
    return group.template.replace(/\u0000/g, () => group.fields[field++]![row]!);
  });
}

const isInteger = (v: string): boolean => /^-?\d{1,15}$/.test(v);
export const isNumeric = (v: string): boolean => /^-?\d{1,15}(\.\d+)?$/.test(v);

/** One field's values in a few words: a step sequence, a numeric range, or the first values and a count. */
export function describeField(values: readonly string[]): string {
  const distinct = [...new Set(values)];
  if (values.every(isInteger) && values.length > 2) {
    const numbers = values.map(Number);
    const step = numbers[1]! - numbers[0]!;
    if (step !== 0 && numbers.every((n, i) => n === numbers[0]! + i * step)) {
      return `${values[0]}..${values.at(-1)}${step === 1 ? "" : ` step ${step}`}`;
    }
  }
  if (values.every(isNumeric)) {
    const numbers = values.map(Number);
    const low = values[numbers.indexOf(Math.min(...numbers))]!;
    const high = values[numbers.indexOf(Math.max(...numbers))]!;
    return `${low}-${high} (${distinct.length} distinct)`;
  }
  if (distinct.length <= VALUES_SHOWN) return distinct.map((v) => clip(v, VALUE_WIDTH)).join(" | ");
  const shown = distinct.slice(0, VALUES_SHOWN).map((v) => clip(v, VALUE_WIDTH));
  return `${shown.join(", ")}, … (${distinct.length} distinct)`;
}

/** Line numbers as compact ranges, 1-based: `3-242` or `5, 9, 14-20` (a long list is cut). */
function lineRanges(indices: readonly number[]): string {
  const ranges: string[] = [];
  let start = indices[0]!;
  let previous = start;
  for (const index of [...indices.slice(1), Number.NaN]) {
    if (index === previous + 1) {
      previous = index;
      continue;
    }
    ranges.push(start === previous ? `${start + 1}` : `${start + 1}-${previous + 1}`);
    start = previous = index;
  }
  return ranges.length <= 4 ? ranges.join(", ") : `${ranges.slice(0, 3).join(", ")}, … (${ranges.length} runs)`;
}

/** A group as one line: how many lines, where, the template (fields as {1}, {2}…) and each field's values. */
export function describeGroup(group: TemplateGroup): string {
  let field = 0;
  const template = clip(group.template.replace(/\u0000/g, () => `{${++field}}`), TEMPLATE_WIDTH);
  const fields = group.fields.map((values, i) => `{${i + 1}} = ${describeField(values)}`).join("; ");
  return `${group.lines.length} lines (${lineRanges(group.lines)}) like: ${template}${fields ? ` — ${fields}` : ""}`;
}
