import type { Node } from "web-tree-sitter";
import { parserFor, type FileLanguage } from "./grammars.ts";
import { declaratorChain, field, RULES, type LanguageRules } from "./outline-rules.ts";
import { type Outline, type OutlineEntry, textOutline } from "./outline-text.ts";
import { clip } from "./text.ts";

const MAX_ENTRIES = 80;
const MAX_PARSE_CHARS = 1_000_000;
/** Kinds whose parameter list is part of the label. */
const FUNCTION_KINDS = new Set(["function", "method", "constructor", "record", "macro"]);

const oneLine = (text: string, max: number): string =>
  clip(text.replace(/\s+/g, " ").replace(/([([]) /g, "$1").replace(/,? ([)\]])/g, "$1").trim(), max);

/** The parameter list of a function-like node, wherever its grammar keeps it. */
function parametersOf(node: Node): Node | undefined {
  const value = node.childForFieldName("value");
  return (
    node.childForFieldName("parameters") ??
    value?.childForFieldName("parameters") ??
    value?.childForFieldName("parameter") ??
    declaratorChain(node)
      .find((d) => d.type === "function_declarator")
      ?.childForFieldName("parameters") ??
    undefined
  );
}

function collect(root: Node, language: LanguageRules): OutlineEntry[] {
  const entries: OutlineEntry[] = [];
  const visit = (node: Node, depth: number): void => {
    for (const child of node.namedChildren) {
      const rule = language.rules[child.type];
      const kind = rule && (typeof rule.kind === "string" ? rule.kind : rule.kind(child, depth));
      if (rule && kind) {
        const named = rule.name ? rule.name(child) : field(child, "name");
        const params = FUNCTION_KINDS.has(kind) ? parametersOf(child) : undefined;
        const label = `${kind} ${oneLine(named?.text ?? "(anonymous)", 80)}`;
        const row = (named?.at ?? child).startPosition.row;
        entries.push(params ? { depth, row, label, params: oneLine(params.text, 80) } : { depth, row, label });
        if (rule.container) visit(child, depth + 1);
      } else if (language.transparent.has(child.type)) {
        visit(child, depth);
      }
    }
  };
  visit(root, 0);
  return entries;
}

/** Declarations from a real parse when the language has a grammar, else a text heuristic. */
export async function outlineOf(language: FileLanguage, source: string): Promise<Outline> {
  if (!language.grammar) return textOutline(language.label, source);
  // opencode caps reads near 50 KB; anything far larger would make the parse the slow part of a turn.
  if (source.length > MAX_PARSE_CHARS) return { source: "none (too large to parse)", entries: [] };
  const parser = await parserFor(language.grammar);
  const tree = parser.parse(source);
  if (!tree) return { source: "tree-sitter", entries: [] };
  try {
    return { source: "tree-sitter", entries: collect(tree.rootNode, RULES[language.grammar]) };
  } finally {
    tree.delete(); // trees live in wasm memory and are not garbage collected
  }
}

/** Plain bindings: a run of them (module constants, a block of vars) reads well on one row. */
const BINDING = /^(const|var|let|static) [^(\s]+$/;
const MIN_RUN = 3;

/** Entries in order, with runs of at least MIN_RUN consecutive same-kind bindings at one depth grouped. */
function bindingRuns(entries: readonly OutlineEntry[]): OutlineEntry[][] {
  const runs: OutlineEntry[][] = [];
  for (const entry of entries) {
    const last = runs[runs.length - 1];
    const head = last?.[0];
    const joins =
      head !== undefined && BINDING.test(entry.label) && BINDING.test(head.label) && head.depth === entry.depth &&
      head.label.split(" ")[0] === entry.label.split(" ")[0];
    if (joins) last!.push(entry);
    else runs.push([entry]);
  }
  return runs.flatMap((run) => (run.length >= MIN_RUN ? [run] : run.map((entry) => [entry])));
}

/**
 * Childless members of one parent, run by run, as one row: `12-40: 5 method: a, b, c, d, e` (and top-level
 * bindings of one kind the same way). The first line and the last are kept, so a targeted read still finds them.
 */
function leafRuns(entries: readonly OutlineEntry[]): OutlineEntry[][] {
  const kind = (entry: OutlineEntry) => entry.label.split(" ")[0];
  const runs: { leaf: boolean; entries: OutlineEntry[] }[] = [];
  entries.forEach((entry, i) => {
    const childless = (entries[i + 1]?.depth ?? 0) <= entry.depth;
    const leaf = childless && (entry.depth > 0 || BINDING.test(entry.label));
    const last = runs[runs.length - 1];
    const head = last?.entries[0];
    if (leaf && last?.leaf && head!.depth === entry.depth && (entry.depth > 0 || kind(head!) === kind(entry))) last.entries.push(entry);
    else runs.push({ leaf, entries: [entry] });
  });
  return runs.map((run) => run.entries);
}

/** Joined members shown per row at the detail levels past 2 (the rest counted). */
const MEMBERS_SHOWN = [Infinity, 6, 3, 1];

/**
 * Rows at a detail level: 0 every entry with its parameters, 1 without them, 2 and on childless members
 * joined on one row, fewer of them named at each level.
 */
function rows(entries: readonly OutlineEntry[], detail: number, lineOf: (row: number) => number): string[] {
  if (detail < 2) {
    const label = (entry: OutlineEntry) => (detail === 0 ? `${entry.label}${entry.params ?? ""}` : entry.label);
    return bindingRuns(entries).map((run) => {
      const [first, ...rest] = run;
      const more = rest.map((entry) => `, ${lineOf(entry.row)} ${entry.label.slice(entry.label.indexOf(" ") + 1)}`).join("");
      return `${"  ".repeat(first!.depth + 1)}${lineOf(first!.row)}: ${label(first!)}${more}`;
    });
  }
  return leafRuns(entries).map((run) => {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const where = run.length === 1 ? `${lineOf(first.row)}` : `${lineOf(first.row)}-${lineOf(last.row)}`;
    const kind = first.label.split(" ")[0];
    // Siblings of one kind (all methods, all keys) name it once.
    const same = run.length > 1 && run.every((e) => e.label.split(" ")[0] === kind) && kind !== first.label;
    const labels = run.map((e) => (same ? e.label.slice(e.label.indexOf(" ") + 1) : e.label));
    // Top-level names are never clipped: the outline's promise is that each top-level declaration is visible.
    const shown = first.depth === 0 ? Infinity : (MEMBERS_SHOWN[detail - 2] ?? 1);
    const named = labels.length > shown ? `${labels.slice(0, shown).join(", ")}, … +${labels.length - shown}` : labels.join(", ");
    return `${"  ".repeat(first.depth + 1)}${where}: ${same ? `${run.length} ${kind}: ` : ""}${named}`;
  });
}

/**
 * Outline rows with file line numbers (`lineOf` maps a parsed row back), nested rows indented. The detail
 * follows the room the file gives (`budget` characters): every entry on its row with its parameters; then
 * without parameters; then each parent's childless members on one row, fewer of them named at each step.
 * Over the cap (or still over the room), nested members go first so every top-level declaration stays visible.
 */
export function formatOutline(entries: readonly OutlineEntry[], lineOf: (row: number) => number, budget = Infinity): string[] {
  const capped = (limit: number) =>
    entries
      .map((entry, index) => ({ entry, index }))
      .sort((a, b) => a.entry.depth - b.entry.depth || a.index - b.index)
      .slice(0, limit)
      .sort((a, b) => a.index - b.index)
      .map(({ entry }) => entry);
  const size = (lines: readonly string[]) => lines.reduce((n, line) => n + line.length + 1, 0);
  let kept = capped(MAX_ENTRIES);
  let shown: string[] = [];
  const finest = MEMBERS_SHOWN.length + 1;
  for (let detail = 0; detail <= finest; detail++) {
    shown = rows(kept, detail, lineOf);
    if (size(shown) <= budget) break;
  }
  // The room is a target, not a wall: top-level declarations stay, only nested members go.
  const floor = Math.min(MAX_ENTRIES, entries.filter((entry) => entry.depth === 0).length);
  while (size(shown) > budget && kept.length > floor) {
    kept = capped(Math.max(floor, Math.floor(kept.length * 0.75)));
    shown = rows(kept, finest, lineOf);
  }
  if (entries.length > kept.length) shown.push(`  … +${entries.length - kept.length} more (nested entries left out first)`);
  return shown;
}
