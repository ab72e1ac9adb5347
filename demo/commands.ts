/**
 * The README's command samples, from one run: the demo's scripted session through real opencode (serve,
 * driven through the SDK) against the bundled mock with Endless at its default options, then `/endless`
 * inside that session and each CLI command on what the run wrote. Offline, no API key.
 *   bun demo/commands.ts [--out DIR]   (DIR keeps the archive and the report page)
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Part } from "@opencode-ai/sdk";
import { main } from "../src/cli/main.ts";
import { scriptedToolCalls, startMockAnthropic } from "../src/harness/mock-anthropic.ts";
import { createOpencodeWorld, workingTreePlugin } from "../src/harness/opencode-runner.ts";
import { STATUS_COMMAND } from "../src/hooks/command.ts";
import { demoProjectFiles } from "./project.ts";
import { demoSteps } from "./session.ts";

const outFlag = process.argv.indexOf("--out");
const out = outFlag === -1 ? undefined : process.argv[outFlag + 1];
if (outFlag !== -1 && (out === undefined || out.startsWith("--"))) {
  console.error("demo/commands: --out takes a folder, e.g. --out /tmp/endless-samples");
  process.exit(2);
}

const keep = out === undefined ? mkdtempSync(join(tmpdir(), "endless-samples-")) : resolve(out);
mkdirSync(keep, { recursive: true });
const archive = join(keep, "archive.db");
let project = "";
const mock = startMockAnthropic({ script: scriptedToolCalls(() => demoSteps(project), { finalText: "Done." }) });
// The plugin's options are the defaults but for the archive path, which the commands below are given too.
const run = await createOpencodeWorld({
  provider: { baseURL: mock.baseURL },
  files: demoProjectFiles(),
  plugins: [workingTreePlugin({ archivePath: archive })],
});
project = run.dirs.project;
const repo = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
/** Where the dependencies really are (a checkout may link its node_modules from another). */
const modules = dirname(realpathSync(join(repo, "node_modules")));
/** Temporary paths and this checkout's path shortened, as the README shows them. */
const short = (text: string) =>
  text.replaceAll(keep, "$TMP").replaceAll(run.dirs.root, "$TMP").replaceAll(repo, "~/opencode-endless").replaceAll(modules, "~/opencode-endless");
const show = (title: string, text: string) => console.log(`### ${title}\n\n${short(text)}\n`);
try {
  const server = await run.serve();
  const turn = await server.prompt("Investigate the failing tests.", { title: "samples", timeoutMs: 300_000 });
  await server.client.session.command({ path: { id: turn.sessionID }, body: { command: STATUS_COMMAND, arguments: "" } });
  const messages = await server.client.session.messages({ path: { id: turn.sessionID } });
  const answer = (messages.data ?? [])
    .flatMap((m) => m.parts)
    .find((p): p is Part & { type: "text"; text: string } => p.type === "text" && p.text.startsWith("Endless:"));
  show("/endless", answer?.text ?? "(no answer posted)");
  await server.stop();

  const cli = async (args: string[]) => {
    const lines: string[] = [];
    const code = await main(args, { out: (t) => lines.push(t), err: (t) => lines.push(t) });
    return `$ npx bun run endless ${args.join(" ")}\n${lines.join("\n")}\n(exit ${code})`;
  };
  show("stats", await cli(["stats", "--archive", archive, "--opencode-db", run.dbPath, "--session", turn.sessionID]));
  show("doctor", await cli(["doctor", "--project", run.dirs.project, "--archive", archive]));
  show("bench --opencode", await cli(["bench", "--opencode", "--opencode-db", run.dbPath, "--session", turn.sessionID]));
  show("report", await cli(["report", turn.sessionID, "--archive", archive, "--opencode-db", run.dbPath, "--out", join(keep, "report.html")]));
} finally {
  await run.dispose();
  await mock.stop();
  if (out === undefined) rmSync(keep, { recursive: true, force: true });
}
