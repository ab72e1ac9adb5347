/**
 * @module
 * Child processes in their own process group, so one kill by PID also reaches what they spawned
 * (opencode's bash tool runs commands in child shells that would otherwise outlive a test).
 */
import { appendFileSync } from "node:fs";

/** A child started under `setsid`: its PID is also its process-group id. */
export interface GroupProcess {
  pid: number;
  /** Resolves with the exit code once the leader has exited. */
  exited: Promise<number>;
  stdout: ReadableStream<Uint8Array>;
}

export interface SpawnGroupOptions {
  cwd: string;
  env: Record<string, string>;
  /** Fed to the child's stdin, then closed; without it stdin is /dev/null. */
  stdin?: string;
  /** File descriptor (opened for append) that receives the child's stderr. */
  stderrFd: number;
  /**
   * Send stdout to this file instead of a pipe. opencode (a Bun binary) loses the end of a large stdout
   * written into a pipe when it exits: `opencode export` of a 740 KB session arrived cut at ~450 KB.
   */
  stdoutPath?: string;
}

/**
 * Starts `cmd` under setsid(1). setsid only forks when the caller is a group leader, which a child
 * freshly spawned by Bun is not, so it execs in place and the PID we hold is the new group's id.
 */
export function spawnGroup(cmd: string[], options: SpawnGroupOptions): GroupProcess {
  const child = Bun.spawn(["setsid", ...cmd], {
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: options.stdoutPath === undefined ? "pipe" : Bun.file(options.stdoutPath),
    stderr: options.stderrFd,
  });
  const stdout = child.stdout instanceof ReadableStream ? child.stdout : new Blob([]).stream();
  return { pid: child.pid, exited: child.exited, stdout };
}

/** Signals a whole process group; a group that is already gone is not an error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every member has exited already.
  }
}

/**
 * SIGTERM to the group, SIGKILL after `graceMs` if the leader is still alive, then a final SIGKILL
 * sweep for stragglers that ignored SIGTERM after the leader left.
 */
export async function killGroup(child: GroupProcess, graceMs = 2_000): Promise<void> {
  signalGroup(child.pid, "SIGTERM");
  const exitedInTime = await Promise.race([child.exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
  if (!exitedInTime) signalGroup(child.pid, "SIGKILL");
  await child.exited;
  signalGroup(child.pid, "SIGKILL");
}

/** Calls `onLine` for each complete line of `stream` until it ends (the last partial line included). */
export async function forEachLine(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    lines.forEach(onLine);
  }
  pending += decoder.decode();
  if (pending.length > 0) onLine(pending);
}

/** Rejects after `ms` with `message`; `clear` cancels it once the awaited work settled. */
export function deadline(ms: number, message: string): { promise: Promise<never>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/**
 * A currently free TCP port on 127.0.0.1. `opencode serve --port 0` is not random: it tries 4096
 * first, so parallel worlds (or a developer's own opencode) would collide there.
 */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Appends a banner to the shared log so interleaved process output can be told apart. */
export function logBanner(logFile: string, text: string): void {
  appendFileSync(logFile, `\n===== ${new Date().toISOString()} ${text} =====\n`);
}
