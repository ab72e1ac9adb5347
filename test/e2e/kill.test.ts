import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join } from "node:path";
import { createLedgerStore, loadLedger } from "../../src/archive/ledger.ts";
import { openArchive, openOrRecoverArchive } from "../../src/archive/open.ts";
import { createArchiveStore } from "../../src/archive/session-store.ts";
import { loadOptions } from "../../src/config/load.ts";
import { createFolder } from "../../src/hooks/fold.ts";
import type { Ledger } from "../../src/ledger/schema.ts";
import { isMainAgentRequest, type RecordedRequest, type RequestBody, type ToolCall, toolResultsOf } from "../../src/harness/mock-anthropic.ts";
import { workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { rng } from "../fake/random-session.ts";
import { tmpdir } from "../fake/tmp.ts";
import { startedPerTest } from "./started.ts";

/**
 * kill -9 of the real opencode (its whole process group) at seeded random points of scripted sessions,
 * restarted on the same data after each kill. Two lanes (a world, a mock and a session each) run side by
 * side: a restart is ~5-8 s of CPU (binary, instance, plugin, the session loop's first turn), and two lanes
 * keep both cores busy. ENDLESS_KILL_SEED replays a failure (the seed is printed); ENDLESS_KILLS changes
 * the count while working on the test.
 */
/** The render of an older copy of a re-read: a pointer to the newest read of the same input. */
const isPointer = (text: string, callID: string) =>
  /^\[endless: superseded by the newer \S+ call \S+ with the same input; this copy: recall\(\{"id":"([^"]+)"\}\)\]$/.exec(text)?.[1] === callID;

const KILLS = Number(process.env.ENDLESS_KILLS ?? 50);
const SEED = Number(process.env.ENDLESS_KILL_SEED ?? 1010);
const LANES = 2;
const CALLS_PER_TURN = 4;
/**
 * A kill point: once the mock has received the turn's request number `request` (0 = the prompt's, which
 * carries no result of the turn yet; CALLS_PER_TURN = the one that ends the turn), then `delay` ms. Counted
 * in requests rather than from the prompt, so the points fall inside the turn however loaded the machine is.
 */
const MAX_KILL_DELAY_MS = 400;
/**
 * The whole test, kills and checks included, stops here (bounded even when opencode hangs). Measured: ~10 s
 * a kill per lane on an idle 2-core machine, ~30 s with other suites running on it.
 */
const TEST_TIMEOUT_MS = 900_000;

const started = startedPerTest();

const projectFiles = (): Record<string, string> =>
  Object.fromEntries(
    Array.from({ length: 6 }, (_, f) => [
      `src/module${f}.ts`,
      Array.from({ length: 150 }, (_, l) => (l % 10 === 0 ? `export function handler${f}_${l}(input: string): number {` : `  const value${l} = input.length * ${l + f}; // step ${l}`)).join("\n"),
    ]),
  );

/** Call `r` of the session (r counts the tool results the request carries): the same call in every process. */
function callFor(seed: number, r: number, project: string): ToolCall {
  const next = rng(seed * 1_000_003 + r);
  const id = `toolu_kill_${r}`;
  // bash and read only: opencode's grep and glob fetch ripgrep from the network on first use.
  if (r % 2 === 0) {
    const lines = 60 + Math.floor(next() * 240);
    return { id, name: "bash", input: { command: `seq 1 ${lines} | sed 's/^/row ${r} value /'`, description: `rows ${r}` } };
  }
  return { id, name: "read", input: { filePath: join(project, `src/module${Math.floor(next() * 6)}.ts`) } };
}

interface LaneStats {
  kills: number;
  /** Kills that landed before the turn ended. */
  midTurn: number;
  /** First requests after a restart compared with the frontier persisted before it. */
  resumedRequests: number;
  /** Persisted renders found byte for byte in those requests. */
  rendersChecked: number;
  /** Outputs the archive lacked at a kill and held after the next restart's first request. */
  recovered: number;
  /** Completed tool outputs opencode stored for the session, all checked against the archive. */
  storedOutputs: number;
  /** Ledger calls, equal to the ledger of the unkilled history. */
  ledgerCalls: number;
}

/** One lane: `kills` kills of one session's opencode, the checks after each, and a clean last turn. */
async function killLane(seed: number, kills: number): Promise<LaneStats> {
  let project = "";
  let sessionID: string | undefined;
  /** The kill waits for the turn's request number `reached.at`. */
  let reached = { at: Infinity, resolve: () => {} };
  const mock = started.mock({
    script: (req) => {
      if (!isMainAgentRequest(req)) return { text: "Kill test" };
      const thisTurn = resultsThisTurn(req.body);
      if (thisTurn >= reached.at) reached.resolve();
      if (thisTurn >= CALLS_PER_TURN) return { text: "Turn done." };
      return { toolCalls: [callFor(seed, toolResultsOf(req.body).length, project)] };
    },
  });
  using archiveDir = tmpdir();
  const archivePath = join(archiveDir.path, "endless.db");
  const world = await started.world({
    provider: { baseURL: mock.baseURL },
    files: projectFiles(),
    plugins: [workingTreePlugin({ archivePath, keepLast: 1, highWaterTokens: 1500, lowWaterTokens: 600 })],
  });
  project = world.dirs.project;
  const next = rng(seed);
  const stats: LaneStats = { kills: 0, midTurn: 0, resumedRequests: 0, rendersChecked: 0, recovered: 0, storedOutputs: 0, ledgerCalls: 0 };
  let previous: ArchiveView | undefined;
  /** Outputs opencode stored that the archive lacked at a kill: the next restart's first request recovers them. */
  let pending = new Set<string>();
  let lastKill = 0;
  /** Each kill point as request+delay, reported at the end. */
  const points: string[] = [];

  for (let kill = 0; kill < kills; kill++) {
    const server = await world.serve({ timeoutMs: 90_000 });
    sessionID ??= (await server.client.session.create({ body: { title: "kill test" } })).data!.id;
    const atRequest = Math.floor(next() * (CALLS_PER_TURN + 1));
    const delay = Math.floor(next() * MAX_KILL_DELAY_MS);
    const point = new Promise<void>((resolve) => (reached = { at: atRequest, resolve }));
    const turn = server.prompt(`Turn ${kill}: carry on.`, { sessionID, timeoutMs: 90_000 }).then(
      () => "done" as const,
      () => "killed" as const,
    );
    // Bounded: a turn that never reaches the point (opencode stuck) is killed after 60 s all the same.
    const outcome = await Promise.race([turn, Promise.race([point, Bun.sleep(60_000)]).then(() => Bun.sleep(delay)).then(() => "point" as const)]);
    process.kill(-server.pid, "SIGKILL");
    const killedAt = Date.now();
    await server.stop(); // Reaps the killed group.
    await turn;
    stats.kills++;
    if (outcome === "point") stats.midTurn++;

    const requests = mock.requests.filter((r) => isMainAgentRequest(r) && r.sessionID === sessionID && r.time > lastKill && r.time <= killedAt);
    const stored = opencodeOutputs(world.dbPath, sessionID);
    const archive = readArchive(archivePath, sessionID);

    // Every output opencode stored is in the archive byte for byte, or was missing at the last kill and
    // is recovered by the first request after the restart.
    for (const [callID, output] of stored) {
      const archived = archive.outputs.get(callID);
      if (archived !== undefined) expect([callID, archived]).toEqual([callID, output]);
    }
    if (requests.length > 0) {
      for (const callID of pending) expect([callID, archive.outputs.has(callID)]).toEqual([callID, true]);
      stats.recovered += pending.size;
      pending = new Set();
    }
    for (const callID of stored.keys()) if (!archive.outputs.has(callID)) pending.add(callID);

    if (previous !== undefined) {
      // The frontier resumes: a render changes only at a later batch (a re-read turns an older copy into a
      // pointer), and the first request after the restart sends each one as persisted before it (or as a
      // batch that request moved rewrote it).
      const rewritten = (callID: string) => {
        const now = archive.renders.get(callID);
        return now !== undefined && now.batch > previous!.batch ? now.text : undefined;
      };
      for (const [callID, { text }] of previous.renders) {
        const now = archive.renders.get(callID)?.text;
        if (now !== text) expect([callID, now]).toEqual([callID, rewritten(callID)]);
      }
      const first = requests[0];
      if (first !== undefined) {
        const sent = sentOutputs(first);
        for (const [callID, { text }] of previous.renders) {
          if (!sent.has(callID)) continue;
          const got = sent.get(callID)!;
          // A pointer may be re-pointed by each later batch (to the newest re-read), so the first request can
          // carry an earlier pointer than the archive holds now; a pointer it is, and a batch did move since.
          const repointed = rewritten(callID) !== undefined && isPointer(got, callID) && isPointer(rewritten(callID)!, callID);
          if (got !== text && !repointed) expect([callID, got as string | undefined]).toEqual([callID, rewritten(callID)]);
          stats.rendersChecked++;
        }
        stats.resumedRequests++;
      }
      // The ledger resumes: what was persisted before is the start of what is persisted now.
      expect(isPrefix(previous.ledger.calls, archive.ledger.calls)).toBe(true);
      expect(isPrefix(previous.ledger.requests, archive.ledger.requests)).toBe(true);
    }
    // What a request sent compressed was persisted before it went out.
    for (const request of requests) {
      for (const [callID, text] of sentOutputs(request)) {
        // (A later batch may have rewritten it since: then the persisted render is newer than this kill's first.)
        const render = archive.renders.get(callID);
        if (text.includes("[endless:") && render?.text !== text) expect([callID, render !== undefined && render.batch > (previous?.batch ?? 0)]).toEqual([callID, true]);
      }
    }
    points.push(`${atRequest}+${delay}ms`);
    if (process.env.ENDLESS_KILL_TRACE) console.error(`[kill] seed ${seed} kill ${kill}: ${delay} ms after request ${atRequest} (${outcome}), ${requests.length} requests, ${stored.size} outputs stored`);
    lastKill = killedAt;
    previous = archive;
  }

  // One clean turn after the last kill: everything opencode stored is archived, and the ledger is the one a
  // session never killed would have (built from opencode's own copy of the history).
  const server = await world.serve({ timeoutMs: 90_000 });
  await server.prompt("Last turn: finish.", { sessionID, timeoutMs: 120_000 });
  await Bun.sleep(1_500); // The ledger is persisted by the idle work, ~200 ms after the last output.
  await server.stop();
  const stored = opencodeOutputs(world.dbPath, sessionID!);
  const archive = readArchive(archivePath, sessionID!);
  for (const [callID, output] of stored) expect([callID, archive.outputs.get(callID)]).toEqual([callID, output]);
  const exported = await world.exportSession(sessionID!);
  const reference = openArchive(":memory:");
  const ledgers = createLedgerStore(reference);
  const folder = createFolder({ db: reference, ledgers, store: createArchiveStore(reference), options: loadOptions({}).options.fold, log: () => {} });
  folder.record(sessionID!, exported.messages as never);
  expect(JSON.stringify(archive.ledger)).toBe(JSON.stringify(ledgers.get(sessionID!)));
  reference.close();
  console.error(`[kill] seed ${seed} kill points (turn request + ms): ${points.join(" ")}`);
  stats.storedOutputs = stored.size;
  stats.ledgerCalls = archive.ledger.calls.length;
  return stats;
}

/**
 * Tool results since the last user text (a new turn): the scripted model ends the turn after CALLS_PER_TURN.
 * opencode sends the results of calls a kill interrupted in the same message as the next prompt's text: they
 * belong to the turn before.
 */
function resultsThisTurn(body: RequestBody | undefined): number {
  let count = 0;
  for (const message of body?.messages ?? []) {
    if (message.role !== "user" || !Array.isArray(message.content)) continue;
    if (message.content.some((b) => b.type === "text")) count = 0;
    else count += message.content.filter((b) => b.type === "tool_result").length;
  }
  return count;
}

const integrity = (db: Database) => db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check;

/** Completed tool outputs as opencode stored them in its own database, by call id. */
function opencodeOutputs(dbPath: string, sessionID: string): Map<string, string> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.query<{ data: string }, [string]>("SELECT data FROM part WHERE session_id = ? ORDER BY id").all(sessionID);
    const outputs = new Map<string, string>();
    for (const { data } of rows) {
      const part = JSON.parse(data) as { type: string; callID?: string; state?: { status: string; output?: string } };
      if (part.type === "tool" && part.state?.status === "completed" && part.callID) outputs.set(part.callID, part.state.output ?? "");
    }
    return outputs;
  } finally {
    db.close();
  }
}

interface ArchiveView {
  /** What the archive holds of each call: the output the model was shown (what opencode stored). */
  outputs: Map<string, string>;
  /** The persisted frontier: its batch, and each render with the batch that wrote it. */
  batch: number;
  renders: Map<string, { text: string; batch: number }>;
  ledger: Ledger;
}

function readArchive(path: string, sessionID: string): ArchiveView {
  // Opened the way the plugin opens it at start: a kill must never leave a file it would move aside.
  const start = openOrRecoverArchive(path);
  if (start.kind !== "opened") throw new Error(`archive did not open after a kill: ${start.reason}`);
  expect(start.movedAside).toBeUndefined();
  const db = start.db;
  try {
    expect(integrity(db)).toBe("ok");
    const calls = db.query<{ call_id: string; shown: string }, [string]>("SELECT call_id, coalesce(shown_output, output) AS shown FROM tool_calls WHERE session_id = ?").all(sessionID);
    const renders = db.query<{ call_id: string; text: string; batch: number }, [string]>("SELECT call_id, text, batch FROM renders WHERE session_id = ?").all(sessionID);
    const batch = db.query<{ batch: number }, [string]>("SELECT batch FROM frontiers WHERE session_id = ?").get(sessionID)?.batch ?? 0;
    return {
      outputs: new Map(calls.map((c) => [c.call_id, c.shown])),
      batch,
      renders: new Map(renders.map((r) => [r.call_id, { text: r.text, batch: r.batch }])),
      ledger: loadLedger(db, sessionID),
    };
  } finally {
    db.close();
  }
}

const sentOutputs = (req: RecordedRequest) => new Map(toolResultsOf(req.body).map((r) => [r.toolUseId, r.content]));
const isPrefix = <T>(prefix: readonly T[], of: readonly T[]) => prefix.every((item, i) => JSON.stringify(item) === JSON.stringify(of[i]));

test(
  `kill -9 of the real opencode at ${KILLS} random points of ${LANES} sessions (seed ${SEED}): the archive opens cleanly, holds every output opencode stored, and the frontier and the ledger resume byte for byte`,
  async () => {
    console.error(`[kill] seed ${SEED} (ENDLESS_KILL_SEED=${SEED} replays this run)`);
    const testStarted = performance.now();
    const lanes = await Promise.all(
      Array.from({ length: LANES }, (_, lane) => killLane(SEED + lane, Math.floor(KILLS / LANES) + (lane < KILLS % LANES ? 1 : 0))),
    );
    const total = (key: keyof LaneStats) => lanes.reduce((n, l) => n + l[key], 0);
    const seconds = Number(((performance.now() - testStarted) / 1000).toFixed(1));
    console.error(`[kill] ${JSON.stringify({ seed: SEED, seconds, lanes })}`);
    expect(total("kills")).toBe(KILLS);
    for (const lane of lanes) {
      // Each lane's session ran long enough to batch and to be resumed, so the checks above compared something.
      expect(lane.storedOutputs).toBeGreaterThan(lane.kills);
      expect(lane.resumedRequests).toBeGreaterThan(lane.kills / 2);
      expect(lane.rendersChecked).toBeGreaterThan(0);
      expect(lane.ledgerCalls).toBe(lane.storedOutputs);
    }
  },
  TEST_TIMEOUT_MS,
);
