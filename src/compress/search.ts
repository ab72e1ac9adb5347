import { clip, DEFAULT_NAMES, excerpt, isShort, note, observe, plural, sizeLine, splitLines, whole, type Section } from "./text.ts";
import type { Observation, ToolCall } from "./types.ts";

const MAX_GROUPS = 25;
const SAMPLE_BUDGET = 60;
const MATCHES_PER_FILE = 1;
const FILES_WITH_MATCHES = 10;
const MATCH_WIDTH = 100;
const FILES_NAMED = 30;

/** The tool's own notes ("(Results are truncated …)", "(12 entries)"), kept verbatim since they state limits. */
const isToolNote = (line: string): boolean => /^\(.*\)$/.test(line.trim());

/** The longest directory prefix shared by all absolute paths ("/a/b/"), or "" when there is none. */
export function commonDir(paths: readonly string[]): string {
  if (paths.length === 0 || !paths.every((p) => p.startsWith("/"))) return "";
  let prefix = paths[0]!.slice(0, paths[0]!.lastIndexOf("/") + 1);
  for (const path of paths) {
    while (!path.startsWith(prefix)) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf("/") + 1);
  }
  return prefix;
}

/** The folder part of a relative path, as segments; a trailing slash marks a folder entry, not a parent. */
const folderOf = (path: string): string[] => {
  const segments = path.replace(/\/$/, "").split("/");
  return segments.slice(0, -1);
};

/**
 * Paths grouped by folder with counts and sample names. When there are too many folders, groups move up the
 * tree until they fit, so a huge listing still shows its shape.
 */
export function groupPaths(relative: readonly string[]): string[] {
  const folders = relative.map(folderOf);
  const deepest = folders.reduce((most, folder) => Math.max(most, folder.length), 0);
  let groups = new Map<string, string[]>();
  for (let depth = deepest; depth >= 0; depth--) {
    groups = new Map();
    relative.forEach((path, i) => {
      const key = (folders[i] ?? []).slice(0, depth).join("/");
      const name = key === "" ? path : path.slice(key.length + 1);
      const group = groups.get(key);
      if (group) group.push(name);
      else groups.set(key, [name]);
    });
    if (groups.size <= MAX_GROUPS) break;
  }
  const perGroup = Math.min(30, Math.max(3, Math.floor(SAMPLE_BUDGET / groups.size)));
  return [...groups.keys()].sort().map((key) => {
    const names = groups.get(key) ?? [];
    const shown = names.slice(0, perGroup).map((name) => clip(name, 80));
    const more = names.length > perGroup ? `, … +${names.length - perGroup} more` : "";
    return `  ${key === "" ? "." : key}/ (${names.length}): ${shown.join(", ")}${more}`;
  });
}

/** Rebuilds full paths from an indented tree listing (the `list` tool): two spaces per level, folders end in "/". */
function treePaths(lines: readonly string[]): string[] {
  const indent = (line: string): number => line.length - line.trimStart().length;
  const base = lines.reduce((least, line) => Math.min(least, indent(line)), Infinity);
  const stack: string[] = [];
  return lines.map((line) => {
    stack.length = Math.floor((indent(line) - base) / 2);
    stack.push(line.trim().replace(/\/$/, ""));
    return stack.join("/") + (line.trim().endsWith("/") ? "/" : "");
  });
}

/** Summary sections for a list of paths (glob results, list trees, directory entries). */
export function pathSections(lines: readonly string[]): Section[] {
  const entries = lines.filter((line) => line.trim() !== "" && !isToolNote(line));
  const notes = lines.filter(isToolNote).map((line) => line.trim());
  const isTree = entries.length > 1 && entries.slice(1).every((line) => /^ {2}/.test(line));
  const paths = isTree ? treePaths(entries.slice(1)) : entries.map((line) => line.trim());
  const base = isTree ? (entries[0] ?? "").trim().replace(/\/?$/, "/") : commonDir(paths);
  const relative = isTree ? paths : paths.map((path) => path.slice(base.length));
  const folders = new Set(relative.map((path) => folderOf(path).join("/")));
  const sections = [note(`${plural(relative.length, "path")} in ${plural(folders.size, "folder")}${base ? ` under ${base}` : ""}:`)];
  sections.push(note(...groupPaths(relative)));
  if (notes.length > 0) sections.push(excerpt(notes));
  return sections;
}

export function compressPaths(call: ToolCall): Observation {
  if (isShort(call.output)) return whole(call, call.tool);
  // The pattern and path are not repeated: the call's input, sent right before this output, holds them.
  const header = note(sizeLine(call.tool, "paths grouped by folder"));
  return observe(call, call.tool, [header, ...pathSections(splitLines(call.output))], DEFAULT_NAMES);
}

interface FileMatches {
  readonly path: string;
  readonly matches: string[];
}

/** opencode's grep layout: "Found N matches", then "path:" lines each followed by "  Line N: text" lines. */
function parseGrep(lines: readonly string[]): FileMatches[] {
  const files: FileMatches[] = [];
  for (const line of lines) {
    const match = /^\s+Line (\d+):(.*)$/.exec(line);
    if (match) files[files.length - 1]?.matches.push(`Line ${match[1]}: ${clip((match[2] ?? "").trim(), MATCH_WIDTH)}`);
    else if (/^\S.*:$/.test(line) && !/^Found \d+ match/.test(line)) files.push({ path: line.slice(0, -1), matches: [] });
  }
  return files;
}

export function compressGrep(call: ToolCall): Observation {
  if (isShort(call.output)) return whole(call, "grep");
  const lines = splitLines(call.output);
  const files = parseGrep(lines);
  if (files.length === 0) return compressPaths(call);
  const base = commonDir(files.map((file) => file.path));
  const label = (file: FileMatches) => `${file.path.slice(base.length)} (${file.matches.length})`;
  const found = lines.find((line) => /^Found \d+ match/.test(line));
  const first = MATCHES_PER_FILE === 1 ? "the first match" : `the first ${MATCHES_PER_FILE} matches`;
  const kept = `${first} of each of the first ${FILES_WITH_MATCHES} files`;
  const sections: Section[] = [
    note(sizeLine("grep", kept), `${found ?? "matches"} in ${plural(files.length, "file")}${base ? ` under ${base}` : ""}:`),
  ];
  // Each file's count, beside its name, says how many of its matches are left out.
  for (const file of files.slice(0, FILES_WITH_MATCHES)) {
    sections.push(note(`  ${label(file)}`), excerpt(file.matches.slice(0, MATCHES_PER_FILE).map((m) => `    ${m}`)));
  }
  const rest = files.slice(FILES_WITH_MATCHES);
  if (rest.length > 0) {
    const named = rest.slice(0, FILES_NAMED).map(label).join(", ");
    const unnamed = rest.length > FILES_NAMED ? `, … +${rest.length - FILES_NAMED} more files` : "";
    sections.push(note(`  other files: ${named}${unnamed}`));
  }
  const notes = lines.filter(isToolNote).map((line) => line.trim());
  if (notes.length > 0) sections.push(excerpt(notes));
  // The files named above (relative to the common folder) are not listed again as names; the matches'
  // text and the files past the named ones are.
  const unnamed = new Set(rest.slice(FILES_NAMED).map((file) => `${file.path}:`));
  const namesSource = lines.filter((line) => !/^\S.*:$/.test(line) || unnamed.has(line)).join("\n");
  return observe(call, "grep", sections, DEFAULT_NAMES, namesSource);
}
