/**
 * @module
 * Runs the real opencode CLI (node_modules/.bin/opencode, 1.18.33) in an isolated temp world against
 * the mock provider in `mock-anthropic.ts`.
 *
 * Measured here (opencode 1.18.33, Bun 1.4.5 host, 2 cores) rather than taken from the docs:
 * - Isolation: temp HOME + XDG_CONFIG/DATA/CACHE/STATE, the OPENCODE_DISABLE_* flags, and a fresh env
 *   (no inherited API keys, OPENCODE_* or proxy vars). opencode creates $XDG_CONFIG_HOME/opencode
 *   itself (opencode.jsonc + .gitignore) and its store at $XDG_DATA_HOME/opencode/opencode.db.
 * - Pre-seeding is needed even with no plugin configured: for $XDG_CONFIG_HOME/opencode and every
 *   existing `.opencode/`, opencode runs a background `npm install @opencode-ai/plugin@1.18.33`
 *   (embedded arborist) unless the dir has `node_modules/` and a `package-lock.json` whose root package
 *   lists every dependency of package.json plus @opencode-ai/plugin. With npm_config_registry pointed at
 *   the mock, an unseeded world made one registry request per config dir and the first LLM call came
 *   1-2 s later; seeded, none. Failures are silent (no log line even at DEBUG). The registry is
 *   pointed at a closed local port anyway, so a regression fails fast instead of going online.
 * - The plugin under test loads from a `file://` URL, with options as a `[url, options]` tuple.
 * - `opencode run "a b"` wraps an argument containing a space in double quotes before sending it, so
 *   the prompt goes through stdin, which opencode sends verbatim.
 * - `--title` (or a session created with a title over the API) skips the tool-less title request.
 * - `run` auto-rejects permission asks (e.g. `external_directory` for a read outside the project) and
 *   still exits 0; `autoApprove` passes `--auto`. An HTTP 400 from the provider gives an `error` event,
 *   exit code 1 and no retry.
 * - `serve --port 0` is not random (it tries 4096 first): a free port is picked here instead.
 *   "opencode server listening on URL" is printed on stdout; SIGTERM stops it in ~0.2 s.
 * - Timings, idle machine: CLI start ~1.5 s (185 MB binary); a 3-step scripted `run` 4-6 s;
 *   `export` ~2 s; `serve` listening after ~2 s, its first turn ~3 s (instance bootstrap), later turns
 *   ~0.2 s. Under load (other test suites on the 2 cores) all of these were 2-3x slower.
 *
 * @example
 * ```ts
 * await using mock = startMockAnthropic({ script: scriptedToolCalls([...]) });
 * await using world = await createOpencodeWorld({
 *   provider: { baseURL: mock.baseURL },
 *   plugins: [workingTreePlugin({ someOption: 1 })],
 * });
 * const result = await world.run("list the files");
 * const session = await world.exportSession(result.sessionID!);
 *
 * await using server = await world.serve();
 * const turn = await server.prompt("hello", { title: "demo" });
 * ```
 */
import { Database } from "bun:sqlite";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Message, Part, Session, ToolPart } from "@opencode-ai/sdk";
import { buildConfig, type ConfigInput } from "./config.ts";
import { createWorldDirs, isolatedEnv, preseedConfigDir, type WorldDirs } from "./isolation.ts";
import { deadline, killGroup, logBanner, spawnGroup, type GroupProcess } from "./process.ts";
import { startServer, type OpencodeServer, type ServeOptions } from "./server.ts";

export { buildConfig, mockProviderConfig, WORKING_TREE_PLUGIN, workingTreePlugin } from "./config.ts";
export type { ConfigInput, MockProviderOptions, OpencodeConfig, PluginSpec } from "./config.ts";
export type { OpencodeServer, PromptOptions, PromptResult, ServeOptions } from "./server.ts";
export type { WorldDirs } from "./isolation.ts";

const DEFAULT_BIN = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));
const DEFAULT_RUN_TIMEOUT_MS = 60_000;

/** Providers, plugins and extra config (see `ConfigInput`), plus how the world is set up. */
export interface WorldOptions extends ConfigInput {
  /** Files to create in the project dir, by relative path. */
  files?: Record<string, string>;
  /** `git init` the project so opencode sees a real worktree (projectID from the repo, not "global"). */
  git?: boolean;
  /** Extra environment for every opencode process. */
  env?: Record<string, string>;
  /** Log level of `--print-logs` output in `logFile`. Default "INFO". */
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /** Keep the temp dir on dispose (also when the env var E2E_KEEP=1), for post-mortems. */
  keep?: boolean;
  /** Pre-seed config dirs against npm installs. Default true; false only to measure what it saves. */
  preseed?: boolean;
  /** opencode binary. Default: this repo's node_modules/.bin/opencode. */
  bin?: string;
}

/** One line of `opencode run --format json`. */
export interface RunEvent {
  type: "step_start" | "step_finish" | "tool_use" | "text" | "reasoning" | "error" | (string & {});
  timestamp: number;
  sessionID: string;
  part?: Part;
  error?: unknown;
}

export interface RunOptions {
  /** "provider/model"; default: the world's model. */
  model?: string;
  /** Continue this session instead of creating one. */
  sessionID?: string;
  agent?: string;
  /** Session title; setting it skips opencode's title-generation LLM request. */
  title?: string;
  /** Pass `--auto` so permission asks are approved instead of auto-rejected. */
  autoApprove?: boolean;
  /** Kill the run (whole process group) after this long and throw. Default 60 s. */
  timeoutMs?: number;
  /** Extra CLI arguments. */
  args?: string[];
}

export interface RunResult {
  exitCode: number;
  /** From the first event; undefined when opencode failed before creating a session. */
  sessionID: string | undefined;
  events: RunEvent[];
  /** Completed or failed tool parts, in order. */
  toolParts: ToolPart[];
  /** Concatenated text parts. */
  text: string;
  /** Events of type "error". */
  errors: RunEvent[];
  durationMs: number;
}

export interface ExportedSession {
  info: Session;
  messages: { info: Message; parts: Part[] }[];
}

/** A session as `opencode session list --format json` shows it, plus its parent for subagent sessions. */
export interface SessionSummary {
  id: string;
  title: string;
  created: number;
  updated: number;
  projectId: string;
  directory: string;
  parentID?: string;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
}

export interface OpencodeWorld {
  dirs: WorldDirs;
  /** All opencode stderr (`--print-logs`) and serve stdout, with a banner per process. */
  logFile: string;
  /** The project's opencode.json. */
  configFile: string;
  /** opencode's SQLite store, for direct reads with bun:sqlite. */
  dbPath: string;
  /** Default "provider/model". */
  model: string;
  env: Record<string, string>;
  run(prompt: string, options?: RunOptions): Promise<RunResult>;
  serve(options?: ServeOptions): Promise<OpencodeServer>;
  exportSession(sessionID: string): Promise<ExportedSession>;
  /** Newest first, read from the SQLite store (works while a server is running). */
  listSessions(): SessionSummary[];
  /** Any opencode subcommand in this world; stdout is returned, stderr goes to the log. */
  exec(args: string[], options?: { stdin?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** The last `lines` lines of the log, for assertion messages. */
  logTail(lines?: number): string;
  /** Kills every process still running and removes the temp dir (unless kept). */
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// World

export async function createOpencodeWorld(options: WorldOptions): Promise<OpencodeWorld> {
  const dirs = createWorldDirs(await mkdtemp(join(tmpdir(), "endless-e2e-")));
  if (options.preseed !== false) {
    preseedConfigDir(join(dirs.config, "opencode"));
    preseedConfigDir(join(dirs.project, ".opencode"));
  }
  writeProjectFiles(dirs.project, options.files ?? {});
  const env = isolatedEnv(dirs, options.env);
  if (options.git) initGit(dirs.project, env);
  const { config, model } = buildConfig(options);
  const configFile = join(dirs.project, "opencode.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = join(dirs.root, "opencode.log");
  const context: WorldContext = {
    dirs,
    env,
    logFile,
    logFd: openSync(logFile, "a"),
    bin: options.bin ?? process.env.OPENCODE_BIN ?? DEFAULT_BIN,
    logArgs: ["--print-logs", "--log-level", options.logLevel ?? "INFO"],
    live: new Set(),
    model,
  };
  const keep = options.keep === true || process.env.E2E_KEEP === "1";
  const dbPath = join(dirs.data, "opencode", "opencode.db");
  return {
    dirs,
    logFile,
    configFile,
    dbPath,
    model,
    env,
    run: (prompt, runOptions) => runPrompt(context, prompt, runOptions),
    serve: (serveOptions) => startServer({ ...context, project: dirs.project, launch: (args) => launch(context, args) }, serveOptions),
    exportSession: (sessionID) => exportSession(context, sessionID),
    listSessions: () => listSessions(dbPath),
    exec: (args, execOptions) => execOpencode(context, args, execOptions),
    logTail: (lines = 40) => readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n"),
    dispose: () => disposeWorld(context, keep),
    [Symbol.asyncDispose]: () => disposeWorld(context, keep),
  };
}

/** What the world's operations share; not exported, so callers go through `OpencodeWorld`. */
interface WorldContext {
  dirs: WorldDirs;
  env: Record<string, string>;
  logFile: string;
  logFd: number;
  bin: string;
  logArgs: string[];
  /** Processes not yet known to have exited, so dispose can kill them. */
  live: Set<GroupProcess>;
  model: string;
}

function writeProjectFiles(project: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(project, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

function initGit(project: string, env: Record<string, string>): void {
  const git = (args: string[]) => Bun.spawnSync(["git", ...args], { cwd: project, env, stdout: "ignore", stderr: "ignore" });
  git(["init", "-q"]);
  git(["-c", "user.email=e2e@example.invalid", "-c", "user.name=e2e", "commit", "-q", "--allow-empty", "-m", "init"]);
}

async function disposeWorld(context: WorldContext, keep: boolean): Promise<void> {
  await Promise.all([...context.live].map((child) => killGroup(child)));
  context.live.clear();
  try {
    closeSync(context.logFd);
  } catch {
    // Already closed by an earlier dispose.
  }
  if (keep) {
    console.error(`[e2e] kept world at ${context.dirs.root}`);
    return;
  }
  await rm(context.dirs.root, { recursive: true, force: true });
}

/** Starts opencode in the world's project dir, tracked for dispose and untracked once it exits. */
function launch(context: WorldContext, args: string[], stdin?: string, stdoutPath?: string): GroupProcess {
  logBanner(context.logFile, `opencode ${args.join(" ")}`);
  const child = spawnGroup([context.bin, ...args], { cwd: context.dirs.project, env: context.env, stdin, stderrFd: context.logFd, stdoutPath });
  context.live.add(child);
  void child.exited.then(() => context.live.delete(child));
  return child;
}

let stdoutFiles = 0;

/** Runs a short-lived opencode command to completion, killing its group if it overstays. */
async function execOpencode(context: WorldContext, args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const stdoutPath = join(context.dirs.root, `stdout-${++stdoutFiles}.txt`);
  const child = launch(context, args, options.stdin, stdoutPath);
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const limit = deadline(timeoutMs, `opencode ${args[0] ?? ""} timed out after ${timeoutMs} ms (log: ${context.logFile})`);
  try {
    const exitCode = await Promise.race([child.exited, limit.promise]);
    return { exitCode, stdout: await Bun.file(stdoutPath).text() };
  } catch (error) {
    await killGroup(child);
    throw error;
  } finally {
    limit.clear();
  }
}

// ---------------------------------------------------------------------------------------------------
// opencode run

async function runPrompt(context: WorldContext, prompt: string, options: RunOptions = {}): Promise<RunResult> {
  const args = ["run", ...context.logArgs, "--format", "json", "--model", options.model ?? context.model];
  if (options.sessionID) args.push("--session", options.sessionID);
  if (options.agent) args.push("--agent", options.agent);
  if (options.title !== undefined) args.push("--title", options.title);
  if (options.autoApprove) args.push("--auto");
  args.push(...(options.args ?? []));
  const started = performance.now();
  // The prompt goes through stdin: opencode would wrap a positional prompt containing spaces in quotes.
  const { exitCode, stdout } = await execOpencode(context, args, { stdin: prompt, timeoutMs: options.timeoutMs });
  return summariseRun(parseEvents(stdout), exitCode, performance.now() - started);
}

function parseEvents(stdout: string): RunEvent[] {
  const events: RunEvent[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // Not an event (opencode prints nothing else on stdout in json mode, but be lenient).
    }
  }
  return events;
}

function summariseRun(events: RunEvent[], exitCode: number, durationMs: number): RunResult {
  const parts = events.flatMap((event) => (event.part ? [event.part] : []));
  return {
    exitCode,
    sessionID: events.find((event) => event.sessionID)?.sessionID,
    events,
    toolParts: parts.filter((part): part is ToolPart => part.type === "tool"),
    text: parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join(""),
    errors: events.filter((event) => event.type === "error"),
    durationMs,
  };
}

// ---------------------------------------------------------------------------------------------------
// Inspection

async function exportSession(context: WorldContext, sessionID: string): Promise<ExportedSession> {
  const { exitCode, stdout } = await execOpencode(context, ["export", sessionID]);
  const start = stdout.indexOf("{");
  if (exitCode !== 0 || start < 0) throw new Error(`opencode export ${sessionID} failed (exit ${exitCode}); log: ${context.logFile}`);
  return JSON.parse(stdout.slice(start)) as ExportedSession;
}

/**
 * Read straight from opencode's SQLite store: `opencode session list --format json` gives the same rows
 * but costs a full CLI start (~1.5 s). Unlike the CLI this includes child (subagent) sessions.
 */
function listSessions(dbPath: string): SessionSummary[] {
  if (!existsSync(dbPath)) return [];
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db
      .query<SessionRow, []>("SELECT id, title, time_created, time_updated, project_id, directory, parent_id FROM session ORDER BY time_updated DESC")
      .all();
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      created: row.time_created,
      updated: row.time_updated,
      projectId: row.project_id,
      directory: row.directory,
      parentID: row.parent_id ?? undefined,
    }));
  } finally {
    db.close();
  }
}

interface SessionRow {
  id: string;
  title: string;
  time_created: number;
  time_updated: number;
  project_id: string;
  directory: string;
  parent_id: string | null;
}
