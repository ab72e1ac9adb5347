/** One finished tool call as the compressors see it. `output` is the full original (the archived text). */
export interface ToolCall {
  readonly tool: string;
  readonly callID: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly output: string;
  /** What opencode recorded beside the output (bash: `exit`, `truncated`, `outputPath`), when known. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A compact stand-in for a tool output. `text` always ends with the recall handle of its call. */
export interface Observation {
  readonly text: string;
  /** Which compressor made it, e.g. "bash", "read", "generic". */
  readonly method: string;
  /** Bumped whenever a compressor's output format changes, so archived observations can be told apart. */
  readonly version: number;
}
