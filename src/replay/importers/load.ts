import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { importClaudeCode, parseJsonLines } from "./claude-code.ts";
import { type Session, SessionFormatError, type Skipped, stepCount } from "./model.ts";
import { importOpencode, looksLikeOpencode } from "./opencode.ts";
import { importOpenHands, looksLikeOpenHands } from "./openhands.ts";
import { importSweAgent, looksLikeSweAgent } from "./swe-agent.ts";

/** Extensions a folder search picks up; a file named on the command line is read whatever its name. */
export const SESSION_EXTENSIONS: ReadonlySet<string> = new Set([".json", ".jsonl", ".traj"]);
const SKIPPED_FOLDERS = new Set(["node_modules", ".git"]);

export const UNKNOWN_FORMAT =
  "not a recognized session format (expected an `opencode export` JSON, a Claude Code .jsonl transcript, a SWE-agent .traj or an OpenHands trajectory JSON)";

/** Reads one session from its text; throws SessionFormatError naming the problem. */
export function parseSession(text: string, file: string): Session {
  if (extname(file).toLowerCase() === ".jsonl") return importClaudeCode(parseJsonLines(text), file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    if (!text.trimStart().startsWith("{") || !text.includes("\n")) {
      throw new SessionFormatError(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    return importClaudeCode(parseJsonLines(text), file); // JSONL under another name
  }
  if (looksLikeOpencode(data)) return importOpencode(data, file);
  if (looksLikeSweAgent(data)) return importSweAgent(data, file);
  if (looksLikeOpenHands(data)) return importOpenHands(data, file);
  throw new SessionFormatError(UNKNOWN_FORMAT);
}

async function walk(folder: string, into: string[]): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) await walk(path, into);
    else if (entry.isFile() && SESSION_EXTENSIONS.has(extname(entry.name).toLowerCase())) into.push(path);
  }
}

/** The session files under the given paths (files as given, folders searched recursively), in order. */
export async function findSessionFiles(paths: readonly string[]): Promise<{ files: string[]; skipped: Skipped[] }> {
  const files: string[] = [];
  const skipped: Skipped[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) skipped.push({ file: path, reason: "no such file or folder" });
    else if (info.isDirectory()) await walk(path, files);
    else files.push(path);
  }
  return { files: [...new Set(files)], skipped };
}

/** Gives sessions that share a name (the same task in several runs) their folder as a prefix. */
function disambiguate(sessions: Session[]): Session[] {
  const counts = new Map<string, number>();
  for (const s of sessions) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  return sessions.map((s) =>
    (counts.get(s.name) ?? 0) > 1 ? { ...s, name: `${basename(dirname(s.file))}/${s.name}` } : s,
  );
}

export interface LoadedSessions {
  readonly sessions: Session[];
  readonly skipped: Skipped[];
}

/**
 * Reads every session under `paths`. A file that cannot be read is skipped with its name and the problem,
 * reported through `onSkip` as it happens; the rest are read.
 */
export async function loadSessions(
  paths: readonly string[],
  onSkip: (skipped: Skipped) => void = () => {},
): Promise<LoadedSessions> {
  const found = await findSessionFiles(paths);
  found.skipped.forEach(onSkip);
  const sessions: Session[] = [];
  const skipped = [...found.skipped];
  for (const file of found.files) {
    try {
      const session = parseSession(await readFile(file, "utf8"), file);
      if (stepCount(session) === 0) throw new SessionFormatError("it holds no model calls");
      sessions.push(session);
    } catch (error) {
      const reason = error instanceof SessionFormatError ? error.message : `cannot read it (${String(error)})`;
      const item = { file, reason };
      skipped.push(item);
      onSkip(item);
    }
  }
  return { sessions: disambiguate(sessions), skipped };
}
