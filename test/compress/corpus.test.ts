import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compress } from "../../src/compress/index.ts";
import type { ToolCall } from "../../src/compress/types.ts";
import { lastLine } from "./helpers.ts";

/** Real OpenCode session exports, kept outside the repo (never copied in). */
const CORPUS = resolve(import.meta.dir, "../../../shared/corpus/dark-factory-opencode/docs/chats/opencode");

interface ExportPart {
  readonly type?: string;
  readonly tool?: string;
  readonly callID?: string;
  readonly state?: { readonly input?: Record<string, unknown>; readonly output?: unknown };
}
interface Export {
  readonly messages?: readonly { readonly parts?: readonly ExportPart[] }[];
}

function toolCalls(file: string): ToolCall[] {
  const session = JSON.parse(readFileSync(join(CORPUS, file), "utf8")) as Export;
  return (session.messages ?? []).flatMap((message) =>
    (message.parts ?? []).flatMap((part) =>
      part.type === "tool" && typeof part.state?.output === "string"
        ? [{ tool: part.tool ?? "unknown", callID: part.callID ?? "", input: part.state.input ?? {}, output: part.state.output }]
        : [],
    ),
  );
}

const files = existsSync(CORPUS) ? readdirSync(CORPUS).filter((name) => name.endsWith(".json")).sort() : [];

describe("real OpenCode tool outputs", () => {
  if (files.length === 0) {
    console.warn(`corpus tests skipped: no OpenCode exports at ${CORPUS}`);
    test.skip("every real tool output compresses (corpus missing)", () => {});
    return;
  }
  for (const file of files) {
    test(`every tool output in ${file} ends with its handle and big ones shrink`, async () => {
      for (const call of toolCalls(file)) {
        const { text } = await compress(call);
        expect(lastLine(text)).toEndWith(`recall({"id":"${call.callID}"})]`);
        if (call.output.length > 8192) {
          expect({ call: call.callID, smaller: text.length < call.output.length }).toEqual({ call: call.callID, smaller: true });
        }
      }
    });
  }
});
