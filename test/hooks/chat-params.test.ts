import { describe, expect, test } from "bun:test";
import { callFactsOf, createChatParamsHook, type ChatParamsHook } from "../../src/hooks/chat-params.ts";
import { ContextManagementOptions, defaultContextManagementOptions } from "../../src/config/context-management.ts";

type Input = Parameters<ChatParamsHook>[0];
type Output = Parameters<ChatParamsHook>[1];

/** The runtime shape opencode 1.18.33 passes (seen on the wire): wider than the SDK type in places. */
function input(overrides: { agent?: string; npm?: string; providerID?: string; id?: string; limit?: unknown } = {}): Input {
  return {
    sessionID: "ses_1",
    agent: overrides.agent ?? "build",
    model: {
      id: overrides.id ?? "claude-sonnet-mock",
      providerID: overrides.providerID ?? "mock",
      api: { id: overrides.id ?? "claude-sonnet-mock", url: "", npm: overrides.npm ?? "@ai-sdk/anthropic" },
      limit: overrides.limit ?? { context: 200_000, output: 8_192 },
    },
    provider: { source: "config", options: {} },
    message: {},
  } as unknown as Input;
}

function output(options: Record<string, unknown> = {}): Output {
  return { temperature: 0, topP: 1, topK: 0, maxOutputTokens: 8192, options };
}

describe("createChatParamsHook", () => {
  test("sets flat camelCase contextManagement on a main-agent call to an Anthropic model", async () => {
    const logs: string[] = [];
    const hook = createChatParamsHook(defaultContextManagementOptions(), (m) => logs.push(m));
    const out = output({ thinking: { type: "enabled", budgetTokens: 1024 } });
    await hook(input(), out);
    expect(out.options.contextManagement).toEqual({
      edits: [
        { type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 1 } },
        {
          type: "clear_tool_uses_20250919",
          trigger: { type: "input_tokens", value: 153_446 },
          keep: { type: "tool_uses", value: 3 },
          clearAtLeast: { type: "input_tokens", value: 38_361 },
          clearToolInputs: false,
          excludeTools: ["recall", "todowrite", "skill"],
        },
      ],
    });
    expect(out.options.thinking).toEqual({ type: "enabled", budgetTokens: 1024 });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain("clear_thinking_20251015, clear_tool_uses_20250919 for mock/claude-sonnet-mock (agent build)");
  });

  test("title calls and non-Anthropic providers are left untouched", async () => {
    const hook = createChatParamsHook(defaultContextManagementOptions(), () => {});
    const title = output();
    await hook(input({ agent: "title" }), title);
    expect(title.options).toEqual({});
    const openai = output();
    await hook(input({ npm: "@ai-sdk/openai-compatible" }), openai);
    expect(openai.options).toEqual({});
  });

  test("uses the plugin's compression policy", async () => {
    const hook = createChatParamsHook(defaultContextManagementOptions(), () => {}, { keepLast: 8, excludeTools: ["todowrite"] });
    const out = output();
    await hook(input(), out);
    expect(out.options.contextManagement.edits[0]).toMatchObject({ keep: { type: "tool_uses", value: 8 }, excludeTools: ["recall", "todowrite"] });
  });

  test("logs each decision once, not on every step", async () => {
    const logs: string[] = [];
    const hook = createChatParamsHook(defaultContextManagementOptions(), (m) => logs.push(m));
    for (let i = 0; i < 3; i++) {
      await hook(input(), output());
      await hook(input({ agent: "title" }), output());
    }
    expect(logs).toHaveLength(2);
    expect(logs[1]).toContain("none for mock/claude-sonnet-mock (agent title)");
  });

  test("an error leaves the output as it was and is logged, never thrown", async () => {
    const logs: string[] = [];
    const hook = createChatParamsHook(defaultContextManagementOptions(), (m) => logs.push(m));
    const broken = { ...input(), get model(): never { throw new Error("boom"); } } as unknown as Input;
    const out = output({ keep: "me" });
    await hook(broken, out);
    expect(out.options).toEqual({ keep: "me" });
    expect(logs).toEqual(["context management: chat.params failed, request left unchanged: boom"]);

    const throwingLog = createChatParamsHook(defaultContextManagementOptions(), () => {
      throw new Error("log down");
    });
    const ok = output();
    await throwingLog(input(), ok);
    expect(ok.options.contextManagement).toBeDefined();
    await throwingLog(broken, output());
  });

  test("a model without a known window gets only what does not depend on it", async () => {
    const hook = createChatParamsHook(defaultContextManagementOptions(), () => {});
    const out = output({ thinking: { type: "adaptive" } });
    await hook(input({ limit: { context: 0, output: 0 } }), out);
    expect(out.options.contextManagement).toEqual({ edits: [{ type: "clear_thinking_20251015", keep: { type: "thinking_turns", value: 1 } }] });
    const none = output();
    await hook(input({ limit: { context: 0, output: 0 } }), none);
    expect(none.options.contextManagement).toBeUndefined();
  });

  test("reads limit.input when opencode's model has one", () => {
    const facts = callFactsOf(input({ limit: { context: 400_000, output: 128_000, input: 272_000 } }), output());
    expect(facts.limit).toEqual({ context: 400_000, output: 128_000, input: 272_000 });
    expect(callFactsOf(input({ limit: undefined as never }), output()).limit).toEqual({ context: 200_000, output: 8_192 });
  });

  test("per-model options reach the hook", async () => {
    const opts = ContextManagementOptions.parse({ models: { "mock/claude-sonnet-mock": { clearToolUses: { trigger: 100_000, clearAtLeast: 20_000 } } } });
    const hook = createChatParamsHook(opts, () => {});
    const out = output();
    await hook(input(), out);
    expect(out.options.contextManagement.edits[0]).toMatchObject({ trigger: { type: "input_tokens", value: 100_000 }, clearAtLeast: { type: "input_tokens", value: 20_000 } });
  });
});
