/**
 * @module
 * `opencode serve` in a test world, driven through the v1 SDK client.
 */
import { appendFileSync } from "node:fs";
import { createOpencodeClient, type AssistantMessage, type OpencodeClient, type Part } from "@opencode-ai/sdk";
import { deadline, forEachLine, freePort, killGroup, type GroupProcess } from "./process.ts";

const DEFAULT_SERVE_TIMEOUT_MS = 30_000;
const DEFAULT_PROMPT_TIMEOUT_MS = 60_000;
const LISTENING_LINE = /opencode server listening on (https?:\/\/\S+)/;

export interface ServeOptions {
  /** Default: a free port picked here (`--port 0` would try 4096 first). */
  port?: number;
  /** How long to wait for the listening line. Default 30 s. */
  timeoutMs?: number;
}

export interface PromptOptions {
  sessionID?: string;
  /** "provider/model"; default: the world's model. */
  model?: string;
  agent?: string;
  /** Title for a newly created session; a titled session gets no title-generation request. */
  title?: string;
  /** Abort the HTTP call after this long. Default 60 s. */
  timeoutMs?: number;
}

export interface PromptResult {
  sessionID: string;
  /** The last assistant message of the turn, as the server returns it. */
  info: AssistantMessage;
  parts: Part[];
}

export interface OpencodeServer {
  url: string;
  pid: number;
  /** SDK v1 client bound to the server and the world's project directory. */
  client: OpencodeClient;
  /** Sends one user prompt and resolves when the turn (all tool steps) finished. */
  prompt(text: string, options?: PromptOptions): Promise<PromptResult>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What starting a server needs from its world. */
export interface ServerWorld {
  project: string;
  logFile: string;
  model: string;
  logArgs: string[];
  launch(args: string[]): GroupProcess;
}

export async function startServer(world: ServerWorld, options: ServeOptions = {}): Promise<OpencodeServer> {
  const port = options.port ?? freePort();
  const child = world.launch(["serve", ...world.logArgs, "--hostname", "127.0.0.1", "--port", String(port)]);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SERVE_TIMEOUT_MS;
  const limit = deadline(timeoutMs, `opencode serve did not report listening within ${timeoutMs} ms (log: ${world.logFile})`);
  try {
    const url = await Promise.race([waitForListening(child, world.logFile), limit.promise]);
    return serverHandle(world, child, url);
  } catch (error) {
    await killGroup(child);
    throw error;
  } finally {
    limit.clear();
  }
}

/**
 * Resolves with the URL from "opencode server listening on …" (requests sent earlier hang). Keeps
 * draining stdout into the log afterwards so the pipe never fills up.
 */
function waitForListening(child: GroupProcess, logFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    const drained = forEachLine(child.stdout, (line) => {
      appendFileSync(logFile, `[serve stdout] ${line}\n`);
      const match = url === undefined ? LISTENING_LINE.exec(line) : null;
      if (match?.[1]) {
        url = match[1];
        resolve(url);
      }
    });
    void drained.then(async () => {
      if (url === undefined) reject(new Error(`opencode serve exited (code ${await child.exited}) before listening (log: ${logFile})`));
    });
  });
}

function serverHandle(world: ServerWorld, child: GroupProcess, url: string): OpencodeServer {
  const client = createOpencodeClient({ baseUrl: url, directory: world.project });
  const stop = () => killGroup(child);
  return {
    url,
    pid: child.pid,
    client,
    prompt: (text, options) => promptOnce(client, world.model, text, options),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function promptOnce(client: OpencodeClient, defaultModel: string, text: string, options: PromptOptions = {}): Promise<PromptResult> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_PROMPT_TIMEOUT_MS);
  const sessionID = options.sessionID ?? (await createSession(client, options.title, signal));
  const [providerID = "", ...modelParts] = (options.model ?? defaultModel).split("/");
  const response = await client.session.prompt({
    path: { id: sessionID },
    body: { model: { providerID, modelID: modelParts.join("/") }, agent: options.agent, parts: [{ type: "text", text }] },
    signal,
  });
  if (!response.data) throw new Error(`session.prompt failed: ${JSON.stringify(response.error)}`);
  return { sessionID, info: response.data.info, parts: response.data.parts };
}

async function createSession(client: OpencodeClient, title: string | undefined, signal: AbortSignal): Promise<string> {
  const created = await client.session.create({ body: title === undefined ? {} : { title }, signal });
  if (!created.data) throw new Error(`session.create failed: ${JSON.stringify(created.error)}`);
  return created.data.id;
}
