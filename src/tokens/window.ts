/** A model's token limits as opencode's models carry them (`model.limit`). */
export interface ModelLimit {
  context: number;
  output: number;
  /** Some models.dev entries carry a separate input limit; opencode then reserves from it. */
  input?: number;
}

/** opencode's cap on the output reserve (`OUTPUT_TOKEN_MAX` in 1.18.33). */
const OPENCODE_OUTPUT_TOKEN_MAX = 32_000;
/** opencode's reserve when a model has `limit.input` and no `compaction.reserved` is configured. */
const OPENCODE_INPUT_RESERVE = 20_000;

/**
 * Input tokens opencode lets a request reach before it compacts (its overflow threshold in 1.18.33):
 * `limit.input - min(20000, reserve)` when the model has an input limit, else `limit.context - reserve`,
 * where reserve = min(limit.output, 32000). Undefined when the window is unknown (`limit.context` 0).
 */
export function usableInputTokens(limit: ModelLimit | undefined): number | undefined {
  if (!limit || !(limit.context > 0)) return undefined;
  const reserve = Math.min(limit.output, OPENCODE_OUTPUT_TOKEN_MAX) || OPENCODE_OUTPUT_TOKEN_MAX;
  const usable = limit.input && limit.input > 0 ? limit.input - Math.min(OPENCODE_INPUT_RESERVE, reserve) : limit.context - reserve;
  return usable > 0 ? usable : undefined;
}
