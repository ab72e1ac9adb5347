import type { Message, Part } from "@opencode-ai/sdk";

export type Msg = { info: Message; parts: Part[] };

let counter = 0;

/** An assistant message carrying completed tool parts, shaped like opencode 1.18's stored messages. */
export function assistantWithTools(
  sessionID: string,
  calls: { callID: string; tool: string; input: Record<string, unknown>; output: string }[],
): Msg {
  const id = `msg_${++counter}`;
  const info = {
    id, sessionID, role: "assistant", time: { created: counter }, parentID: "msg_user", modelID: "m", providerID: "p",
    mode: "build", path: { cwd: "/", root: "/" }, cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
  } as unknown as Message;
  const parts = calls.map(
    (c, i) =>
      ({
        id: `prt_${id}_${i}`, sessionID, messageID: id, type: "tool", callID: c.callID, tool: c.tool,
        state: { status: "completed", input: c.input, output: c.output, title: c.tool, metadata: {}, time: { start: 1, end: 2 } },
      }) as unknown as Part,
  );
  return { info, parts };
}

export function userText(sessionID: string, text: string): Msg {
  const id = `msg_${++counter}`;
  return {
    info: { id, sessionID, role: "user", time: { created: counter } } as unknown as Message,
    parts: [{ id: `prt_${id}`, sessionID, messageID: id, type: "text", text } as unknown as Part],
  };
}
