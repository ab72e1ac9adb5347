import { stat } from "node:fs/promises";

const SAVED_TO = /Full output saved to: (.+?)\s*$/m;

/** Where opencode saved the whole output when it cut a tool result short, if it did. */
export function savedOutputPath(output: string, metadata: unknown): string | undefined {
  const fromMetadata = (metadata as { outputPath?: unknown } | undefined)?.outputPath;
  if (typeof fromMetadata === "string" && fromMetadata.length > 0) return fromMetadata;
  return SAVED_TO.exec(output)?.[1];
}

export interface FullOutput {
  /** The whole original: the saved file's text when there is one, else the output itself. */
  readonly output: string;
  readonly shownOutput?: string;
  readonly fullOutputPath?: string;
}

/**
 * "Full" must mean full: when opencode truncated an output and saved the rest to a file, the archive keeps
 * that file's text. A missing or unreadable file leaves the output as opencode kept it, with the path noted.
 */
export async function resolveFullOutput(output: string, metadata: unknown): Promise<FullOutput> {
  const path = savedOutputPath(output, metadata);
  if (path === undefined) return { output };
  try {
    if (!(await stat(path)).isFile()) return { output, fullOutputPath: path };
    const full = await Bun.file(path).text();
    return { output: full, shownOutput: output, fullOutputPath: path };
  } catch {
    return { output, fullOutputPath: path };
  }
}
