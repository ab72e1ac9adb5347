import { lstat, realpath } from "node:fs/promises";
import { homedir } from "node:os";
import { join, sep } from "node:path";

/** A saved output larger than this is not loaded into the archive (opencode keeps the file itself). */
const MAX_FULL_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Where opencode 1.18 writes the whole text of a tool output it cut short (and keeps it for 7 days). */
function opencodeToolOutputDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "opencode", "tool-output");
}

export interface FullOutput {
  /** The whole original: the saved file's text when there is one, else the output itself. */
  readonly output: string;
  readonly shownOutput?: string;
  readonly fullOutputPath?: string;
}

/**
 * The saved file opencode named in the call's metadata, if it is one opencode wrote: a regular file (no
 * symlink) inside its tool-output folder. The output's own text never chooses a path: a tool output
 * saying "Full output saved to: /proc/self/environ" must not make the archive read that file.
 */
async function trustedSavedFile(metadata: unknown, toolOutputDir: string): Promise<string | undefined> {
  const meta = metadata as { truncated?: unknown; outputPath?: unknown } | undefined;
  if (meta?.truncated !== true || typeof meta.outputPath !== "string") return undefined;
  const root = await realpath(toolOutputDir);
  const info = await lstat(meta.outputPath);
  if (!info.isFile() || info.size > MAX_FULL_OUTPUT_BYTES) return undefined;
  const resolved = await realpath(meta.outputPath);
  return resolved.startsWith(root + sep) ? resolved : undefined;
}

/**
 * "Full" must mean full: when opencode truncated an output and saved the whole text, the archive keeps
 * that text. Anything doubtful (no such file, outside opencode's folder, too large) leaves the output as
 * opencode kept it, with the path noted.
 */
export async function resolveFullOutput(
  output: string,
  metadata: unknown,
  toolOutputDir: string = opencodeToolOutputDir(),
): Promise<FullOutput> {
  const named = (metadata as { outputPath?: unknown } | undefined)?.outputPath;
  const noted = typeof named === "string" ? { fullOutputPath: named } : {};
  try {
    const path = await trustedSavedFile(metadata, toolOutputDir);
    if (path === undefined) return { output, ...noted };
    return { output: await Bun.file(path).text(), shownOutput: output, fullOutputPath: path };
  } catch {
    return { output, ...noted };
  }
}
