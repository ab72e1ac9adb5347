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
        const label = `${kind} ${oneLine(named?.text ?? "(anonymous)", 80)}${params ? oneLine(params.text, 80) : ""}`;
        entries.push({ depth, row: (named?.at ?? child).startPosition.row, label });
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
 * Outline rows with file line numbers (`lineOf` maps a parsed row back), nested rows indented. Over the cap,
 * nested members go first so every top-level declaration stays visible.
 */
export function formatOutline(entries: readonly OutlineEntry[], lineOf: (row: number) => number): string[] {
  const kept = entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.depth - b.entry.depth || a.index - b.index)
    .slice(0, MAX_ENTRIES)
    .sort((a, b) => a.index - b.index)
    .map(({ entry }) => entry);
  const rows = bindingRuns(kept).map((run) => {
    const [first, ...rest] = run;
    const more = rest.map((entry) => `, ${lineOf(entry.row)} ${entry.label.slice(entry.label.indexOf(" ") + 1)}`).join("");
    return `${"  ".repeat(first!.depth + 1)}${lineOf(first!.row)}: ${first!.label}${more}`;
  });
  if (entries.length > MAX_ENTRIES) rows.push(`  … +${entries.length - MAX_ENTRIES} more (nested entries left out first)`);
  return rows;
}
