/**
 * The demo: one scripted 42-call coding session played through the real opencode binary against the
 * bundled mock provider, once on stock opencode and once with Endless, compared request by request.
 * Offline, no API key.   npm run demo   (or: bun demo/run.ts [--json])
 */
import { countTokens } from "../src/tokens/count.ts";
import { requestInputTokens } from "../test/e2e/mock-anthropic.ts";
import { kTokens, sideBySide } from "./chart.ts";
import { demoProjectFiles } from "./project.ts";
import { type ScriptedRunResult, runScriptedSession } from "./scripted-run.ts";
import { demoSteps } from "./session.ts";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Prompt-cache cost: a request's longest common prefix with the previous one is read at 0.1x, the rest written at 1.25x. */
function cacheCost(run: ScriptedRunResult): number {
  let previous = "";
  let cost = 0;
  for (const request of run.mainRequests) {
    const text = JSON.stringify(request.body?.messages ?? []);
    let common = 0;
    while (common < text.length && common < previous.length && text[common] === previous[common]) common++;
    const total = requestInputTokens(request.body);
    const cached = Math.min(total, countTokens(text.slice(0, common)));
    cost += cached * 0.1 + (total - cached) * 1.25;
    previous = text;
  }
  return cost;
}

function summary(run: ScriptedRunResult) {
  const tools = run.mainRequests.at(-1)?.body?.messages?.length ?? 0;
  return {
    requests: run.mainRequests.length,
    totalInputTokens: sum(run.inputTokens),
    peakInputTokens: Math.max(...run.inputTokens),
    cacheWeightedTokens: Math.round(cacheCost(run)),
    messagesInLastRequest: tools,
    seconds: Number((run.durationMs / 1000).toFixed(1)),
  };
}

const started = performance.now();
process.stderr.write("demo: running the scripted session on stock opencode...\n");
const stock = await runScriptedSession({ files: demoProjectFiles(), steps: demoSteps, endless: undefined });
process.stderr.write("demo: running it again with Endless...\n");
const endless = await runScriptedSession({ files: demoProjectFiles(), steps: demoSteps, endless: {} });
const result = { stock: summary(stock), endless: summary(endless) };
const ratio = result.endless.totalInputTokens / result.stock.totalInputTokens;

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ ...result, endlessOverStock: Number(ratio.toFixed(3)) }, null, 2));
} else {
  console.log(sideBySide({ label: "stock opencode (input tokens)", values: stock.inputTokens }, { label: "with Endless", values: endless.inputTokens }));
  console.log("");
  const row = (name: string, a: number | string, b: number | string) => console.log(`${name.padEnd(30)} ${String(a).padStart(12)} ${String(b).padStart(12)}`);
  row("", "stock", "endless");
  row("requests", result.stock.requests, result.endless.requests);
  row("total input tokens", result.stock.totalInputTokens, result.endless.totalInputTokens);
  row("peak input tokens", result.stock.peakInputTokens, result.endless.peakInputTokens);
  row("cache-weighted input tokens", result.stock.cacheWeightedTokens, result.endless.cacheWeightedTokens);
  console.log("");
  console.log(`Endless sent ${(ratio * 100).toFixed(1)}% of stock's input tokens: ${kTokens(result.stock.totalInputTokens - result.endless.totalInputTokens)} tokens saved; peak ${kTokens(result.stock.peakInputTokens)} -> ${kTokens(result.endless.peakInputTokens)}.`);
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s, tokens counted with ai-tokenizer's claude encoding)`);
}
