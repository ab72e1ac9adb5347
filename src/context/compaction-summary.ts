import { countTokens } from "../tokens/count.ts";

/** One archived call as the summary shows it. */
export interface SummaryCall {
  readonly tool: string;
  readonly input: unknown;
  /** The call's observation (it ends with the call's recall handle). */
  readonly observation: string;
}

/** Large enough for the observations of a long stretch of work, small next to any model's window. */
export const SUMMARY_BUDGET_TOKENS = 12_000;
const INPUT_CHARS = 240;

const HEADER = [
  "Summary of the conversation so far, written by opencode-endless from its archive of every tool output",
  "(no model wrote it). Each entry is one tool call, oldest first: its input, then what it returned, compressed.",
  'recall({"id": ...}) brings back any output whole; recall({"query": ...}) searches all of them.',
].join("\n");

function inputLine(input: unknown): string {
  const json = JSON.stringify(input) ?? "";
  return json.length > INPUT_CHARS ? `${json.slice(0, INPUT_CHARS)}…` : json;
}

/**
 * The compaction summary for a session's archived calls: the newest calls that fit the budget, whole;
 * the older ones counted. Undefined when there is nothing archived to summarise (opencode's own
 * summariser then runs as usual).
 */
export function formatCompactionSummary(calls: readonly SummaryCall[], budgetTokens: number = SUMMARY_BUDGET_TOKENS): string | undefined {
  if (calls.length === 0) return undefined;
  const entries: string[] = [];
  let used = countTokens(HEADER);
  for (let i = calls.length - 1; i >= 0; i--) {
    const call = calls[i]!;
    const entry = `### ${i + 1}. ${call.tool} ${inputLine(call.input)}\n${call.observation}`;
    const tokens = countTokens(entry);
    if (used + tokens > budgetTokens && entries.length > 0) break;
    entries.unshift(entry);
    used += tokens;
  }
  const omitted = calls.length - entries.length;
  const note = omitted > 0 ? [`(${omitted} older calls are left out here; recall finds them.)`] : [];
  return [HEADER, ...note, ...entries].join("\n\n");
}
