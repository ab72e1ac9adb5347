/**
 * A process whose compression worker claims the archive's due jobs and calls the model, for the kill test
 * of the job lease: `bun lease-child.ts ARCHIVE BASE_URL`. It prints {"started": callID} as each model call
 * starts; the parent kills it (SIGKILL, by PID) while the mock holds the answer.
 */
import { writeSync } from "node:fs";
import { openArchive } from "../../src/archive/open.ts";
import { createArchiveStore } from "../../src/archive/session-store.ts";
import { CompressionOptions } from "../../src/config/compression.ts";
import { PROMPT_VERSION } from "../../src/observer/prompt.ts";
import { createProviderRegistry } from "../../src/observer/providers.ts";
import { createCompressionWorker } from "../../src/observer/worker.ts";

const [archivePath, baseURL] = process.argv.slice(2);
const db = openArchive(archivePath!);
const providers = createProviderRegistry({ env: {}, authFile: "/nonexistent/auth.json" });
providers.learnConfig({ provider: { cmp: { npm: "@ai-sdk/openai-compatible", options: { baseURL, apiKey: "key-cmp" } } } });
const worker = createCompressionWorker({
  db,
  store: createArchiveStore(db, { llmVersion: PROMPT_VERSION }),
  options: CompressionOptions.parse({ models: { main: "cmp/mini" }, minOutputTokens: 100 }),
  providers,
  log: () => {},
  notice: () => {},
  onEvent: (event) => {
    if (event.type === "started") writeSync(1, `${JSON.stringify({ started: event.callID })}\n`);
  },
});
worker.kick();
// Bounded: the parent kills it long before; a lost parent must not leave it running for ever.
await Bun.sleep(60_000);
