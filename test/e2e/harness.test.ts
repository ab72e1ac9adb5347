/**
 * The e2e harness against stock opencode (no plugin): proves the mock speaks both wire protocols well
 * enough for opencode 1.18.33, and that the runner's run/serve/export/list work in an isolated world.
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { ToolPart } from "@opencode-ai/sdk";
import {
  isMainAgentRequest,
  lastUserText,
  requestInputTokens,
  scriptedToolCalls,
  toolResultsOf,
  type MockServer,
  type RecordedRequest,
} from "../../src/harness/mock-anthropic.ts";
import type { OpencodeWorld } from "../../src/harness/opencode-runner.ts";
import { startedPerTest } from "./started.ts";

/** A safety net against a hung opencode, not a performance assertion. */
const E2E_TIMEOUT_MS = 60_000;
const NOTES = "first line of the notes\nendless-notes-marker\n";

/** Everything a test started, torn down even when the test fails. */
const started = startedPerTest();
const startMock = started.mock;
const startWorld = started.world;

/** bash `echo hello-endless`, then a read of notes.txt in the project, then a final text. */
function echoThenRead(world: () => OpencodeWorld) {
  return scriptedToolCalls(
    () => [
      { name: "bash", input: { command: "echo hello-endless", description: "Print a marker" } },
      { name: "read", input: { filePath: join(world().dirs.project, "notes.txt") } },
    ],
    { finalText: "Both tools ran." },
  );
}

function completedOutput(part: ToolPart | undefined): string {
  return part?.state.status === "completed" ? part.state.output : `<${part?.state.status ?? "missing"}>`;
}

describe("mock provider without opencode", () => {
  test("streams a tool call the official Anthropic SDK can parse", async () => {
    const mock = startMock({ script: () => ({ text: "Let me look.", toolCalls: [{ name: "bash", input: { command: "ls" } }] }) });
    const client = new Anthropic({ baseURL: mock.url, apiKey: "sk-test" });
    const message = await client.messages
      .stream({ model: "claude-sonnet-mock", max_tokens: 100, messages: [{ role: "user", content: "hi" }] })
      .finalMessage();

    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toHaveLength(2);
    expect(message.content[0]).toMatchObject({ type: "text", text: "Let me look." });
    expect(message.content[1]).toMatchObject({ type: "tool_use", id: "toolu_mock_0001", name: "bash", input: { command: "ls" } });
    expect(message.usage.input_tokens).toBe(requestInputTokens(mock.requests[0]?.body));
  });

  test("answers non-streaming requests, count_tokens and validation failures", async () => {
    const mock = startMock({ script: () => ({ text: "plain" }), validate: (body) => (body.max_tokens === 0 ? "max_tokens: must be positive" : undefined) });
    const post = (path: string, body: unknown) => fetch(`${mock.baseURL}${path}`, { method: "POST", body: JSON.stringify(body) });
    const request = { model: "m", max_tokens: 10, messages: [{ role: "user", content: "hello there" }] };

    const message: unknown = await (await post("/messages", request)).json();
    expect(message).toMatchObject({ type: "message", content: [{ type: "text", text: "plain" }], stop_reason: "end_turn" });

    const counted = (await (await post("/messages/count_tokens", request)).json()) as { input_tokens: number };
    expect(counted.input_tokens).toBe(requestInputTokens(request));

    const rejected = await post("/messages", { ...request, max_tokens: 0 });
    expect(rejected.status).toBe(400);
    expect(await rejected.json()).toEqual({ type: "error", error: { type: "invalid_request_error", message: "max_tokens: must be positive" } });
    expect(mock.requests.map((r) => r.path)).toEqual(["/v1/messages", "/v1/messages/count_tokens", "/v1/messages"]);
  });

  test("scriptedToolCalls picks the step from the tool results already in the request", () => {
    const script = scriptedToolCalls([{ name: "a", input: {} }, [{ name: "b", input: {} }, { name: "c", input: {} }]], { finalText: "end" });
    const withResults = (count: number): RecordedRequest => ({
      method: "POST",
      path: "/v1/messages",
      headers: {},
      protocol: "anthropic",
      sessionID: undefined,
      time: 0,
      body: {
        tools: [{ name: "a" }],
        messages: [{ role: "user", content: Array.from({ length: count }, (_, i) => ({ type: "tool_result", tool_use_id: `t${i}`, content: "ok" })) }],
      },
    });

    expect(script(withResults(0), 0)).toEqual({ toolCalls: [{ name: "a", input: {} }] });
    expect(script(withResults(1), 1)).toEqual({ toolCalls: [{ name: "b", input: {} }, { name: "c", input: {} }] });
    expect(script(withResults(3), 2)).toEqual({ text: "end" });
    expect(script({ ...withResults(0), body: { messages: [] } }, 3)).toEqual({ text: "Mock session title" });
  });
});

describe("stock opencode against the mock", () => {
  test(
    "opencode run: bash then read, results on the wire and in the export",
    async () => {
      let world: OpencodeWorld | undefined;
      const mock = startMock({ script: echoThenRead(() => world!) });
      world = await startWorld({ provider: { baseURL: mock.baseURL }, files: { "notes.txt": NOTES } });

      const result = await world.run("Run the marker command, then read the notes.");

      expect(result.exitCode, world.logTail()).toBe(0);
      expect(result.errors).toEqual([]);
      expect(result.text).toBe("Both tools ran.");
      expect(result.toolParts.map((part) => [part.tool, part.state.status])).toEqual([
        ["bash", "completed"],
        ["read", "completed"],
      ]);

      // Wire: one tool-less title request plus three main-agent steps.
      const main = mock.requests.filter(isMainAgentRequest);
      expect(main).toHaveLength(3);
      expect(mock.requests.filter((r) => !isMainAgentRequest(r))).toHaveLength(1);
      expect(lastUserText(main[0]?.body)).toBe("Run the marker command, then read the notes.");
      expect(new Set(mock.requests.map((r) => r.sessionID))).toEqual(new Set([result.sessionID]));
      const afterBash = toolResultsOf(main[1]?.body);
      expect(afterBash).toEqual([{ toolUseId: "toolu_mock_0001", content: "hello-endless\n", isError: false }]);
      expect(toolResultsOf(main[2]?.body)[1]?.content).toContain("endless-notes-marker");

      // opencode's token accounting takes the mock's usage as reported.
      const firstStep = result.events.find((event) => event.type === "step_finish")?.part;
      expect(firstStep?.type === "step-finish" ? firstStep.tokens.input : -1).toBe(requestInputTokens(main[0]?.body));

      // Storage: the export holds both tool parts with their full outputs.
      const exported = await world.exportSession(result.sessionID ?? "");
      const toolParts = exported.messages.flatMap((m) => m.parts).filter((part): part is ToolPart => part.type === "tool");
      expect(toolParts.map((part) => part.callID)).toEqual(["toolu_mock_0001", "toolu_mock_0002"]);
      expect(completedOutput(toolParts[0])).toBe("hello-endless\n");
      expect(completedOutput(toolParts[1])).toContain("endless-notes-marker");

      const sessions = world.listSessions();
      expect(sessions.map((s) => [s.id, s.title])).toEqual([[result.sessionID ?? "", "Mock session title"]]);
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "opencode serve: a scripted turn through the SDK, then a second turn in the same session",
    async () => {
      let world: OpencodeWorld | undefined;
      const mock = startMock({ script: echoThenRead(() => world!) });
      world = await startWorld({ provider: { baseURL: mock.baseURL }, files: { "notes.txt": NOTES } });
      await using server = await world.serve();

      const first = await server.prompt("Do the scripted steps.", { title: "serve test" });
      expect(first.info.finish).toBe("stop");
      expect(first.parts.flatMap((part) => (part.type === "text" ? [part.text] : []))).toEqual(["Both tools ran."]);

      // Every scripted call already has a result, so the second turn is answered with text at once.
      const second = await server.prompt("Anything else?", { sessionID: first.sessionID });
      expect(second.sessionID).toBe(first.sessionID);

      const main = mock.requests.filter(isMainAgentRequest);
      expect(main).toHaveLength(4);
      expect(lastUserText(main[3]?.body)).toBe("Anything else?");
      // A session created with a title gets no title-generation request.
      expect(mock.requests.filter((r) => !isMainAgentRequest(r))).toHaveLength(0);
      const messages = await server.client.session.messages({ path: { id: first.sessionID } });
      expect(messages.data?.filter((m) => m.info.role === "user")).toHaveLength(2);
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "an @ai-sdk/openai-compatible provider talks to /v1/chat/completions",
    async () => {
      const mock = startMock({ script: scriptedToolCalls([{ name: "bash", input: { command: "echo hello-openai", description: "Print a marker" } }]) });
      const world = await startWorld({ provider: { baseURL: mock.baseURL, api: "openai-compatible", id: "oai", model: "gpt-mock" } });

      const result = await world.run("Say hello through bash.", { title: "openai test" });

      expect(result.exitCode, world.logTail()).toBe(0);
      expect(result.text).toBe("All done.");
      expect(mock.requests.every((r) => r.path === "/v1/chat/completions")).toBe(true);
      const main = mock.requests.filter(isMainAgentRequest);
      expect(main).toHaveLength(2);
      expect(toolResultsOf(main[1]?.body)).toEqual([{ toolUseId: "call_mock_0001", content: "hello-openai\n", isError: false }]);
      expect(main[0]?.headers.authorization).toBe("Bearer sk-mock-key");
      expect(main[0]?.headers["anthropic-beta"]).toBeUndefined();
    },
    E2E_TIMEOUT_MS,
  );

  test(
    "a validation failure from the mock surfaces as an opencode error event",
    async () => {
      const mock = startMock({ script: scriptedToolCalls([]), validate: (body) => (body.tools ? "mock rejects tools" : undefined) });
      const world = await startWorld({ provider: { baseURL: mock.baseURL } });

      const result = await world.run("hello", { title: "error test" });

      expect(result.exitCode).toBe(1);
      expect(JSON.stringify(result.errors)).toContain("mock rejects tools");
      // 400 is not retryable: exactly one attempt.
      expect(mock.requests).toHaveLength(1);
    },
    E2E_TIMEOUT_MS,
  );
});
