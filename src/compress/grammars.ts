import { fileURLToPath } from "node:url";
import { Language, Parser } from "web-tree-sitter";

/** Grammar wasm files shipped by @vscode/tree-sitter-wasm that the outline knows how to read. */
export const GRAMMARS = [
  "typescript",
  "tsx",
  "javascript",
  "python",
  "go",
  "rust",
  "java",
  "cpp",
  "c-sharp",
  "ruby",
  "php",
  "bash",
] as const;
export type Grammar = (typeof GRAMMARS)[number];

export interface FileLanguage {
  readonly label: string;
  readonly grammar?: Grammar;
}

const BY_EXTENSION: Readonly<Record<string, FileLanguage>> = {
  ts: { label: "TypeScript", grammar: "typescript" },
  mts: { label: "TypeScript", grammar: "typescript" },
  cts: { label: "TypeScript", grammar: "typescript" },
  tsx: { label: "TSX", grammar: "tsx" },
  js: { label: "JavaScript", grammar: "javascript" },
  mjs: { label: "JavaScript", grammar: "javascript" },
  cjs: { label: "JavaScript", grammar: "javascript" },
  jsx: { label: "JavaScript", grammar: "javascript" },
  py: { label: "Python", grammar: "python" },
  pyi: { label: "Python", grammar: "python" },
  go: { label: "Go", grammar: "go" },
  rs: { label: "Rust", grammar: "rust" },
  java: { label: "Java", grammar: "java" },
  // There is no C grammar in the package; the C++ grammar parses C declarations well enough for an outline.
  c: { label: "C", grammar: "cpp" },
  h: { label: "C", grammar: "cpp" },
  cc: { label: "C++", grammar: "cpp" },
  cpp: { label: "C++", grammar: "cpp" },
  cxx: { label: "C++", grammar: "cpp" },
  hpp: { label: "C++", grammar: "cpp" },
  hh: { label: "C++", grammar: "cpp" },
  hxx: { label: "C++", grammar: "cpp" },
  cs: { label: "C#", grammar: "c-sharp" },
  rb: { label: "Ruby", grammar: "ruby" },
  rake: { label: "Ruby", grammar: "ruby" },
  php: { label: "PHP", grammar: "php" },
  sh: { label: "Shell", grammar: "bash" },
  bash: { label: "Shell", grammar: "bash" },
  zsh: { label: "Shell", grammar: "bash" },
  md: { label: "Markdown" },
  mdx: { label: "Markdown" },
  markdown: { label: "Markdown" },
  json: { label: "JSON" },
  jsonc: { label: "JSON" },
  json5: { label: "JSON" },
  yaml: { label: "YAML" },
  yml: { label: "YAML" },
  toml: { label: "TOML" },
};

export function languageOf(path: string): FileLanguage {
  const name = path.split(/[\\/]/).pop() ?? path;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  return BY_EXTENSION[extension] ?? { label: extension === "" ? "text" : extension };
}

let runtime: Promise<void> | undefined;
const parsers = new Map<Grammar, Promise<Parser>>();

/** Resolved through the module system so the plugin works wherever the package is installed. */
const wasmPath = (grammar: Grammar): string =>
  fileURLToPath(import.meta.resolve(`@vscode/tree-sitter-wasm/wasm/tree-sitter-${grammar}.wasm`));

async function load(grammar: Grammar): Promise<Parser> {
  runtime ??= Parser.init().catch((error: unknown) => {
    runtime = undefined; // let a later call retry instead of caching the failure
    throw error;
  });
  await runtime;
  const parser = new Parser();
  parser.setLanguage(await Language.load(wasmPath(grammar)));
  return parser;
}

/** One parser per grammar, loaded on first use; concurrent callers share the same load. */
export function parserFor(grammar: Grammar): Promise<Parser> {
  const cached = parsers.get(grammar);
  if (cached) return cached;
  const loading = load(grammar);
  parsers.set(grammar, loading);
  loading.catch(() => parsers.delete(grammar));
  return loading;
}
