/**
 * Provider-native context management end to end: real opencode 1.18.33 (with @ai-sdk/anthropic
 * 3.0.111 inside) against the mock, which validates every `context_management` body like the API
 * (anthropic-schema.ts) and answers an invalid one with HTTP 400.
 * The hook is loaded through the real plugin entry (plugin/index.ts, from this working tree).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  isMainAgentRequest,
  type MockServer,
  type RecordedRequest,
  type Reply,
  type Script,
  toolResultsOf,
} from "../../src/harness/mock-anthropic.ts";
import { mockProviderConfig, type PluginSpec, workingTreePlugin } from "../../src/harness/opencode-runner.ts";
import { startedPerTest } from "./started.ts";
import { betasOf, validateContextManagement } from "../../src/harness/anthropic-schema.ts";

const E2E_TIMEOUT_MS = 120_000;

/** The plugin under test with these `contextManagement` options. */
function pluginWith(contextManagement: Record<string, unknown>): PluginSpec {
  return workingTreePlugin({ contextManagement });
}

const started = startedPerTest();
const startMock = (script: Script): MockServer => started.mock({ script, validate: validateContextManagement });
const startWorld = started.world;

const BASH = { name: "bash", input: { command: "echo context-managed", description: "Print a marker" } };
const CM_BETA = "context-management-2025-06-27";
const COMPACT_BETA = "compact-2026-01-12";
/** What the server reports on main responses; opencode must accept it (and, on 1.18.33, cannot keep it). */
const APPLIED_EDITS = { applied_edits: [{ type: "clear_tool_uses_20250919", cleared_tool_uses: 2, cleared_input_tokens: 31_337 }] };

const anthropicRequests = (mock: MockServer) => mock.requests.filter((r) => r.protocol === "anthropic");
const toolless = (mock: MockServer) => mock.requests.filter((r) => r.protocol !== undefined && !isMainAgentRequest(r));
const contextManagementOf = (req: RecordedRequest | undefined) => req?.body?.context_management;

describe("context_management on the wire", () => {
  test(
    "default options: main steps carry the window-derived clear_tool_uses edit and its beta; title and compaction requests carry none",
    async () => {
      // First main reply reports an overflow so opencode runs its own compaction once, then the turn ends.
      let mainReplies = 0;
      const mock = startMock((req): Reply => {
        if (!isMainAgentRequest(req)) return { text: "Mock title or summary" };
        mainReplies++;
        if (mainReplies === 1) return { toolCalls: [BASH], usage: { inputTokens: 195_000 }, contextManagement: APPLIED_EDITS };
        return { text: "Done.", contextManagement: APPLIED_EDITS };
      });
      const world = await startWorld({ provider: { baseURL: mock.baseURL }, plugins: [pluginWith({})] });

      const result = await world.run("Print the marker.");

      expect(result.exitCode, world.logTail()).toBe(0);
      expect(result.errors).toEqual([]);
      expect(mock.requests.every((r) => r.path === "/v1/messages")).toBe(true);

      // limit {context: 200000, output: 8192}: usable 191808 -> trigger 80% = 153446, clear_at_least 20% = 38361.
      const expected = {
        edits: [
          {
            type: "clear_tool_uses_20250919",
            trigger: { type: "input_tokens", value: 153_446 },
            keep: { type: "tool_uses", value: 3 },
            clear_at_least: { type: "input_tokens", value: 38_361 },
            clear_tool_inputs: false,
            exclude_tools: ["recall", "todowrite", "skill"],
          },
        ],
      };
      const main = mock.requests.filter(isMainAgentRequest);
      expect(main.length).toBeGreaterThanOrEqual(2);
      for (const req of main) {
        expect(contextManagementOf(req)).toEqual(expected);
        expect(betasOf(req.headers)).toContain(CM_BETA);
        expect(betasOf(req.headers)).not.toContain(COMPACT_BETA);
      }

      // Title and opencode's compaction summariser: both tool-less, both without context management.
      const others = toolless(mock);
      expect(others).toHaveLength(2);
      for (const req of others) {
        expect(req.body && "context_management" in req.body).toBe(false);
        expect(betasOf(req.headers)).not.toContain(CM_BETA);
      }
      const log = readFileSync(world.logFile, "utf8");
      expect(log).toContain("agent title is in skipAgents");
      expect(log).toContain("agent compaction is in skipAgents");

      // opencode 1.18.33 drops the response's applied_edits: nothing of it reaches the stored session.
      const exported = JSON.stringify(await world.exportSession(result.sessionID ?? ""));
      expect(exported).not.toContain("31337");
      expect(exported).not.toMatch(/appliedEdits|applied_edits|clearedInputTokens/);
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "per-model options with thinking and compaction: exact edits, clear_thinking first, both betas; the compaction block round-trips without encrypted_content",
    async () => {
      const thinkingModel = mockProviderConfig({ baseURL: "", id: "mockthink", model: "claude-think-mock" });
      let mainReplies = 0;
      const mock = startMock((req): Reply => {
        if (!isMainAgentRequest(req)) return { text: "Mock title" };
        mainReplies++;
        if (mainReplies === 1) return { toolCalls: [BASH] };
        if (mainReplies === 2) return { compaction: { content: "SUMMARY: the marker was printed.", encryptedContent: "opaque-encrypted-state" }, text: "Printed it." };
        return { text: "Second turn answered." };
      });
      const provider = {
        ...thinkingModel.config,
        options: { baseURL: mock.baseURL, apiKey: "sk-mock-key" },
        models: {
          "claude-think-mock": {
            name: "claude-think-mock",
            tool_call: true,
            reasoning: true,
            limit: { context: 200_000, output: 8_192 },
            options: { thinking: { type: "enabled", budgetTokens: 2_048 } },
          },
        },
      };
      const contextManagement = {
        models: {
          "mockthink/claude-think-mock": {
            clearThinking: { keep: 2 },
            clearToolUses: { trigger: 100_000, clearAtLeast: 20_000, keep: 4, excludeTools: ["task"], clearToolInputs: false },
            compact: { enabled: true, trigger: 150_000, instructions: "Keep every recall handle verbatim." },
          },
        },
      };
      const world = await startWorld({
        provider: { baseURL: mock.baseURL, id: "mockthink", model: "claude-think-mock" },
        config: { provider: { mockthink: provider } },
        plugins: [pluginWith(contextManagement)],
      });

      const first = await world.run("Print the marker.", { title: "thinking and compaction" });
      expect(first.exitCode, world.logTail()).toBe(0);
      const second = await world.run("And now?", { sessionID: first.sessionID });
      expect(second.exitCode, world.logTail()).toBe(0);
      expect(second.text).toBe("Second turn answered.");

      const main = mock.requests.filter(isMainAgentRequest);
      expect(main).toHaveLength(3);
      for (const req of main) {
        expect(req.body?.thinking).toEqual({ type: "enabled", budget_tokens: 2_048 });
        expect(contextManagementOf(req)).toEqual({
          edits: [
            { type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 2 } },
            {
              type: "clear_tool_uses_20250919",
              trigger: { type: "input_tokens", value: 100_000 },
              keep: { type: "tool_uses", value: 4 },
              clear_at_least: { type: "input_tokens", value: 20_000 },
              clear_tool_inputs: false,
              exclude_tools: ["recall", "todowrite", "skill", "task"],
            },
            { type: "compact_20260112", trigger: { type: "input_tokens", value: 150_000 }, pause_after_compaction: false, instructions: "Keep every recall handle verbatim." },
          ],
        });
        expect(betasOf(req.headers)).toEqual(expect.arrayContaining([CM_BETA, COMPACT_BETA]));
      }

      // Round trip: the request after the compacted response sends the block back, first in that
      // assistant message, with the summary (from compaction_delta) but without encrypted_content,
      // which @ai-sdk/anthropic 3.0.111 does not parse.
      const third = main[2]?.body?.messages ?? [];
      const blocks = third.flatMap((m) => (Array.isArray(m.content) ? m.content.map((block) => ({ role: m.role, block })) : []));
      const compaction = blocks.filter(({ block }) => block.type === "compaction");
      expect(compaction).toHaveLength(1);
      expect(compaction[0]?.role).toBe("assistant");
      expect(compaction[0]?.block.content).toBe("SUMMARY: the marker was printed.");
      expect(compaction[0]?.block.encrypted_content).toBeUndefined();
      expect(JSON.stringify(third)).not.toContain("opaque-encrypted-state");
      const assistant = third.find((m) => m.role === "assistant" && Array.isArray(m.content) && m.content.some((b) => b.type === "compaction"));
      expect(Array.isArray(assistant?.content) ? assistant.content.map((b) => b.type) : []).toEqual(["compaction", "text"]);

      // opencode also shows the summary to the user as ordinary assistant text.
      expect(first.text).toContain("SUMMARY: the marker was printed.");
      expect(toolResultsOf(main[2]?.body)).toHaveLength(1);
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "a non-Anthropic provider (OpenAI-compatible) carries no context management",
    async () => {
      let calls = 0;
      const mock = startMock((req): Reply => (isMainAgentRequest(req) && calls++ === 0 ? { toolCalls: [BASH] } : { text: "Done." }));
      const world = await startWorld({
        provider: { baseURL: mock.baseURL, api: "openai-compatible", id: "oai", model: "gpt-mock" },
        plugins: [pluginWith({})],
      });

      const result = await world.run("Print the marker.");

      expect(result.exitCode, world.logTail()).toBe(0);
      expect(mock.requests.every((r) => r.path === "/v1/chat/completions")).toBe(true);
      expect(mock.requests.filter(isMainAgentRequest)).toHaveLength(2);
      for (const req of mock.requests) {
        expect(JSON.stringify(req.body)).not.toMatch(/context_?management/i);
        expect(req.headers["anthropic-beta"]).toBeUndefined();
      }
      expect(anthropicRequests(mock)).toHaveLength(0);
      expect(readFileSync(world.logFile, "utf8")).toContain("not served by @ai-sdk/anthropic (@ai-sdk/openai-compatible)");
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "an invalid context_management is answered with a 400 like the API (here one set by hand in opencode.json, which the plugin leaves alone)",
    async () => {
      const mock = startMock(() => ({ text: "unreachable" }));
      const base = mockProviderConfig({ baseURL: mock.baseURL });
      const provider = {
        ...base.config,
        models: {
          "claude-sonnet-mock": {
            name: "claude-sonnet-mock",
            tool_call: true,
            limit: { context: 200_000, output: 8_192 },
            // clear_thinking without thinking on: the API rejects it.
            options: { contextManagement: { edits: [{ type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 1 } }] } },
          },
        },
      };
      const world = await startWorld({ provider: { baseURL: mock.baseURL }, config: { provider: { mock: provider } }, plugins: [pluginWith({})] });

      const result = await world.run("hello", { title: "invalid body" });

      expect(result.exitCode).toBe(1);
      expect(JSON.stringify(result.errors)).toContain("clear_thinking_20251015 requires thinking to be enabled");
      expect(mock.requests).toHaveLength(1);
      expect(contextManagementOf(mock.requests[0])).toEqual({ edits: [{ type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 1 } }] });
      expect(readFileSync(world.logFile, "utf8")).toContain("contextManagement already set by opencode's config");
    },
    E2E_TIMEOUT_MS,
  );
});
