/**
 * The demo: one scripted 42-call coding session played through the real opencode binary against the
 * bundled mock provider, once on stock opencode and once with Endless, compared request by request.
 * Offline, no API key.   npm run demo   (or: bun demo/run.ts [--json])
 */
import { kTokens, sideBySide } from "./chart.ts";
import { compareStockAndEndless } from "./compare.ts";

const started = performance.now();
const result = await compareStockAndEndless((line) => process.stderr.write(`demo: ${line}\n`));
const { stock, endless } = result;

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(sideBySide({ label: "stock opencode: input tokens", values: stock.inputTokens }, { label: "with Endless", values: endless.inputTokens }));
  console.log("");
  const row = (name: string, a: number | string, b: number | string) =>
    console.log(`${name.padEnd(34)} ${String(a).padStart(12)} ${String(b).padStart(12)}`);
  row(`${result.toolCalls} tool calls, model requests:`, "stock", "endless");
  row("requests", stock.requests, endless.requests);
  row("total input tokens", stock.totalInputTokens, endless.totalInputTokens);
  row("peak input tokens", stock.peakInputTokens, endless.peakInputTokens);
  row("cache-weighted input tokens", stock.cacheWeightedTokens, endless.cacheWeightedTokens);
  console.log("");
  console.log(
    `Endless sent ${(result.ratio * 100).toFixed(1)}% of stock's input tokens: ${kTokens(stock.totalInputTokens - endless.totalInputTokens)} saved; peak ${kTokens(stock.peakInputTokens)} -> ${kTokens(endless.peakInputTokens)}; with a prompt cache, ${((endless.cacheWeightedTokens / stock.cacheWeightedTokens) * 100).toFixed(0)}% of stock's cost.`,
  );
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s; tokens counted with ai-tokenizer's claude encoding)`);
}
