import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "bun:test";
import type { ToolCall } from "../../src/compress/types.ts";

/** A scratch directory removed when the test file finishes. */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `endless-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFiles(root: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/**
 * Runs a shell command the way opencode's bash tool does: stdout and stderr merged into one text. `bun` is
 * defined as the bun running these tests (whose file may be named bun.exe, so PATH alone would not find it).
 */
export function shell(command: string, cwd: string): string {
  const script = `bun() { "$ENDLESS_TEST_BUN" "$@"; }; export -f bun; (${command}) 2>&1`;
  const env = { ...process.env, ENDLESS_TEST_BUN: process.execPath, NO_COLOR: "1" };
  return Bun.spawnSync(["bash", "-c", script], { cwd, env }).stdout.toString();
}

export const hasCommand = (name: string): boolean => Bun.which(name) !== null;

/** opencode 1.x read output for a file on disk (optionally a window of it, as with offset/limit). */
export function readOutput(path: string, offset = 1, limit = 2000): string {
  const lines = readFileSync(path, "utf8").split("\n");
  const shown = lines.slice(offset - 1, offset - 1 + limit);
  const last = offset + shown.length - 1;
  const footer =
    last < lines.length
      ? `(Showing lines ${offset}-${last} of ${lines.length}. Use offset=${last + 1} to continue.)`
      : `(End of file - total ${lines.length} lines)`;
  const numbered = shown.map((text, i) => `${offset + i}: ${text}`).join("\n");
  return `<path>${path}</path>\n<type>file</type>\n<content>\n${numbered}\n\n${footer}\n</content>`;
}

/** 1-based line of the first line containing `needle`; fails loudly so a bad fixture cannot pass silently. */
export function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((line) => line.includes(needle));
  if (index === -1) throw new Error(`fixture has no line containing ${JSON.stringify(needle)}`);
  return index + 1;
}

export const toolCall = (tool: string, output: string, input: Record<string, unknown> = {}, callID = `call_${tool}_1`): ToolCall => ({
  tool,
  callID,
  input,
  output,
});

export const lastLine = (text: string): string => text.slice(text.lastIndexOf("\n") + 1);
export const bodyOf = (text: string): string => text.slice(0, text.lastIndexOf("\n"));
