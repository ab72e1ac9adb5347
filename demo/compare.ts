import { countTokens } from "../src/tokens/count.ts";
import { requestInputTokens } from "../src/harness/mock-anthropic.ts";
import { demoProjectFiles } from "./project.ts";
import { type ScriptedRunResult, runScriptedSession } from "./scripted-run.ts";
import { demoSteps } from "./session.ts";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Input tokens weighted by a prompt-cache model: a request's longest common prefix with the previous one
 * is read at 0.1x, the rest is written at 1.25x (Anthropic's cache prices relative to plain input). The
 * prefix runs in the order the provider caches: tools, system, then messages; its share of the request's
 * tokens is the share of the serialized request it covers.
 */
function cacheWeightedTokens(run: ScriptedRunResult): number {
  let previous = "";
  let weighted = 0;
  for (const request of run.mainRequests) {
    const body = request.body;
    const text = JSON.stringify([body?.tools ?? [], body?.system ?? null, body?.messages ?? []], (key, value) => (key === "cache_control" ? undefined : value));
    let common = 0;
    while (common < text.length && common < previous.length && text[common] === previous[common]) common++;
    const total = requestInputTokens(body);
    const cached = common === 0 ? 0 : Math.round((total * countTokens(text.slice(0, common))) / countTokens(text));
    weighted += cached * 0.1 + (total - cached) * 1.25;
    previous = text;
  }
  return Math.round(weighted);
}

export interface RunSummary {
  readonly requests: number;
  readonly inputTokens: number[];
  readonly totalInputTokens: number;
  readonly peakInputTokens: number;
  readonly cacheWeightedTokens: number;
  readonly seconds: number;
}

function summarize(run: ScriptedRunResult): RunSummary {
  return {
    requests: run.mainRequests.length,
    inputTokens: run.inputTokens,
    totalInputTokens: sum(run.inputTokens),
    peakInputTokens: Math.max(...run.inputTokens),
    cacheWeightedTokens: cacheWeightedTokens(run),
    seconds: Number((run.durationMs / 1000).toFixed(1)),
  };
}

export interface Comparison {
  readonly toolCalls: number;
  readonly stock: RunSummary;
  readonly endless: RunSummary;
  /** Endless's total input tokens over stock's. */
  readonly ratio: number;
}

/** Plays the demo session on stock opencode, then with Endless at its default options. */
export async function compareStockAndEndless(progress: (line: string) => void = () => {}): Promise<Comparison> {
  progress("running the scripted session on stock opencode...");
  const stock = await runScriptedSession({ files: demoProjectFiles(), steps: demoSteps, endless: undefined });
  progress("running it again with Endless...");
  const endless = await runScriptedSession({ files: demoProjectFiles(), steps: demoSteps, endless: {} });
  const summaries = { stock: summarize(stock), endless: summarize(endless) };
  return {
    toolCalls: demoSteps("/").length,
    ...summaries,
    ratio: summaries.endless.totalInputTokens / summaries.stock.totalInputTokens,
  };
}
