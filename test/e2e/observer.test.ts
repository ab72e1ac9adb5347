import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jobCounts } from "../../src/archive/compression.ts";
import { openArchive } from "../../src/archive/open.ts";
import { isMainAgentRequest, type MockServer, type RecordedRequest, scriptedToolCalls, systemTextOf, toolResultsOf } from "../../src/harness/mock-anthropic.ts";
import { workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { SYSTEM_PROMPT } from "../../src/observer/prompt.ts";
import { tmpdir } from "../fake/tmp.ts";
import { startedPerTest } from "./started.ts";

const TIMEOUT = 240_000;
const STEPS = 10;
const started = startedPerTest();

/** Each step prints ~400 numbered lines (about 1,500 tokens) after a short pause, so idle time falls between steps. */
const steps = () =>
  Array.from({ length: STEPS }, (_, i) => ({
    name: "bash",
    id: `toolu_obs_${String(i).padStart(2, "0")}`,
    input: { command: `sleep 0.4; seq ${1000 * (i + 1)} ${1000 * (i + 1) + 400} | sed 's/^/value /'`, description: `numbers ${i}` },
  }));

const isCompression = (r: RecordedRequest) => systemTextOf(r.body) === SYSTEM_PROMPT;
const messagesOf = (req: RecordedRequest) =>
  JSON.stringify(req.body?.messages ?? [], (key, value) => (key === "cache_control" ? undefined : value));
/** Whether request k carries request k-1's messages byte for byte (no batch in between). */
const sharesPrefix = (before: RecordedRequest, after: RecordedRequest) => {
  const b = JSON.parse(messagesOf(before)) as unknown[];
  const a = (JSON.parse(messagesOf(after)) as unknown[]).slice(0, b.length);
  return JSON.stringify(a) === JSON.stringify(b);
};
/** The calls a request sends as their LLM observation. */
const llmCalls = (r: RecordedRequest) => new Set(toolResultsOf(r.body).filter((t) => t.content.includes("LLM-OBS")).map((t) => t.toolUseId));

/** The compression model: a short summary naming the range it was shown; its first reply is held until `release`. */
function compressionScript(order: string[], firstHold: Promise<unknown>) {
  let first = true;
  return (req: RecordedRequest) => {
    const prompt = JSON.stringify(req.body?.messages ?? []);
    const range = /seq (\d+) (\d+)/.exec(prompt);
    order.push("compression request");
    const hold = first ? firstHold : undefined;
    first = false;
    return { text: `LLM-OBS: 401 lines "value N" for N from ${range?.[1]} to ${range?.[2]}; nothing else.`, ...(hold ? { hold } : {}) };
  };
}

describe("LLM observations through real opencode", () => {
  test(
    "the hook never waits for the model; LLM observations reach requests only at batch boundaries; only the named provider gets outputs",
    async () => {
      const order: string[] = [];
      let mainSeen = 0;
      let waitingFor: { count: number; resolve: () => void } | undefined;
      const play = scriptedToolCalls(steps, { finalText: "done" });
      const main = started.mock({
        script: (req, i) => {
          if (isMainAgentRequest(req)) {
            mainSeen++;
            order.push("main request");
            if (waitingFor && mainSeen >= waitingFor.count) waitingFor.resolve();
          }
          return play(req, i);
        },
      });
      // Held until opencode has sent the main agent's next request: the agent loop went on meanwhile.
      let released = false;
      const firstHold = new Promise<void>((resolve) => {
        waitingFor = {
          count: Number.POSITIVE_INFINITY,
          resolve: () => {
            released = true;
            order.push("compression reply released");
            resolve();
          },
        };
      });
      const bounded = Promise.race([firstHold, Bun.sleep(60_000)]);
      const cmpScript = compressionScript(order, bounded);
      const cmp: MockServer = started.mock({
        script: (req) => {
          if (waitingFor && waitingFor.count === Number.POSITIVE_INFINITY) waitingFor.count = mainSeen + 1;
          return cmpScript(req);
        },
      });
      const world = await started.world({
        provider: [
          { baseURL: main.baseURL },
          { baseURL: cmp.baseURL, id: "cmp", api: "openai-compatible", model: "mini", apiKey: "sk-cmp-config" },
        ],
        plugins: [
          workingTreePlugin({
            keepLast: 1,
            highWaterTokens: 3_000,
            compression: { models: { mock: "cmp/mini" }, minOutputTokens: 300 },
          }),
        ],
      });
      const run = await world.run("Print the numbers.", { title: "llm observations", autoApprove: true, timeoutMs: 180_000 });
      expect(run.exitCode).toBe(0);
      expect(run.toolParts).toHaveLength(STEPS);

      // 1. The hook returned at once: a main request reached the provider while the first compression call was pending.
      expect(released).toBe(true);
      const firstCompression = order.indexOf("compression request");
      const release = order.indexOf("compression reply released");
      expect(firstCompression).toBeGreaterThanOrEqual(0);
      expect(order.slice(firstCompression, release)).toContain("main request");

      // 2. Only at batch boundaries: a request between two batches sends exactly the LLM observations the one before did.
      const mains = main.requests.filter(isMainAgentRequest);
      let boundariesWithNewLlm = 0;
      for (let k = 1; k < mains.length; k++) {
        const before = llmCalls(mains[k - 1]!);
        const now = llmCalls(mains[k]!);
        const earlier = new Set(toolResultsOf(mains[k - 1]!.body).map((t) => t.toolUseId));
        const newOnOld = [...now].filter((id) => earlier.has(id) && !before.has(id));
        if (sharesPrefix(mains[k - 1]!, mains[k]!)) expect(newOnOld).toEqual([]);
        else if (newOnOld.length > 0) boundariesWithNewLlm++;
        for (const id of before) expect(now.has(id)).toBe(true);
      }
      expect(llmCalls(mains.at(-1)!).size).toBeGreaterThan(0);
      expect(boundariesWithNewLlm).toBeGreaterThan(0);

      // 3. The session's provider never got a compression request; the compression provider got nothing else.
      expect(main.requests.filter(isCompression)).toEqual([]);
      const compressions = cmp.requests.filter((r) => r.protocol !== undefined);
      expect(compressions.length).toBeGreaterThan(0);
      for (const r of compressions) {
        expect(isCompression(r)).toBe(true);
        expect(isMainAgentRequest(r)).toBe(false);
        // opencode.json's key for the provider, handed over by the config hook.
        expect(r.headers.authorization).toBe("Bearer sk-cmp-config");
      }
      // No compression session appears in opencode's session list.
      expect(world.listSessions()).toHaveLength(1);
    },
    TIMEOUT,
  );

  test(
    "a key stored by `opencode auth login` is used, and a session on a provider not named in compression.models sends no output anywhere",
    async () => {
      const play = scriptedToolCalls(steps().slice(0, 4), { finalText: "done" });
      const main = started.mock({ script: play });
      const other = started.mock({ script: play });
      const cmp = started.mock({ script: compressionScript([], Promise.resolve()) });
      using archiveDir = tmpdir();
      const archivePath = join(archiveDir.path, "a.db");
      const world = await started.world({
        provider: [
          { baseURL: main.baseURL },
          { baseURL: other.baseURL, id: "other" },
          // No key in opencode.json: it comes from auth.json.
          { baseURL: cmp.baseURL, id: "cmp", api: "openai-compatible", model: "mini", options: { apiKey: undefined } },
        ],
        plugins: [workingTreePlugin({ archivePath, keepLast: 1, highWaterTokens: 3_000, compression: { models: { mock: "cmp/mini" }, minOutputTokens: 300 } })],
      });
      mkdirSync(join(world.dirs.data, "opencode"), { recursive: true });
      writeFileSync(join(world.dirs.data, "opencode", "auth.json"), JSON.stringify({ cmp: { type: "api", key: "sk-from-auth-json" } }), { mode: 0o600 });
      // The real binary reads the same file: `opencode auth list` names the stored credential.
      const listed = await world.exec(["auth", "list"]);
      expect(listed.stdout).toContain("auth.json");
      expect(listed.stdout).toMatch(/cmp/i);

      const onOther = await world.run("Print the numbers.", { model: "other/claude-sonnet-mock", title: "other", autoApprove: true, timeoutMs: 120_000 });
      expect(onOther.exitCode).toBe(0);
      expect(other.requests.filter(isMainAgentRequest).length).toBeGreaterThan(0);
      const afterOther = cmp.requests.length;
      expect(afterOther).toBe(0);

      const onMain = await world.run("Print the numbers.", { title: "main", autoApprove: true, timeoutMs: 120_000 });
      expect(onMain.exitCode).toBe(0);
      const compressions = cmp.requests.filter(isCompression);
      expect(compressions.length).toBeGreaterThan(0);
      for (const r of compressions) expect(r.headers.authorization).toBe("Bearer sk-from-auth-json");
      // Outputs of the "other" session went to no model; nothing was queued for them either.
      for (const r of compressions) expect(JSON.stringify(r.body)).not.toContain(onOther.sessionID!);
      const db = openArchive(archivePath);
      const queuedForOther = db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM compression_jobs WHERE session_id = ?").get(onOther.sessionID!)!.n;
      expect(queuedForOther).toBe(0);
      expect(jobCounts(db, onMain.sessionID!).done + jobCounts(db, onMain.sessionID!).pending).toBeGreaterThan(0);
      db.close();
    },
    TIMEOUT,
  );
});
