import { isMainAgentRequest, lastUserText, requestInputTokens, scriptedToolCalls, startMockAnthropic } from "./src/harness/mock-anthropic.ts";
import { createOpencodeWorld } from "./src/harness/opencode-runner.ts";
const steps = Array.from({ length: 12 }, (_, i) => ({ name: "bash", input: { command: `seq ${i * 10000} ${i * 10000 + 1500}`, description: "numbers" } }));
await using mock = startMockAnthropic({ script: scriptedToolCalls(steps), contextWindow: 32000 });
await using world = await createOpencodeWorld({ provider: { baseURL: mock.baseURL, limit: { context: 32000, output: 4096 } }, keep: true });
const run = await world.run("go", { title: "t", autoApprove: true, timeoutMs: 60000 }).catch((e) => { console.log(String(e)); return undefined; });
console.log("exit", run?.exitCode, "errors", run?.errors.length);
for (const r of mock.requests) {
  const main = isMainAgentRequest(r);
  console.log(main ? "main" : "toolless", requestInputTokens(r.body), main ? "" : JSON.stringify(lastUserText(r.body)).slice(0, 300), JSON.stringify(r.body?.system ?? "").length, (r.body?.tools ?? []).length, JSON.stringify(r.body?.tools ?? []).length);
}
console.log("overflows", mock.overflows.length);
