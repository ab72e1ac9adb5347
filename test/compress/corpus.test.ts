import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compress } from "../../src/compress/index.ts";
import { regenerate, templateGroups } from "../../src/compress/template.ts";
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

describe("template grouping on real bash outputs", () => {
  const bash = files.flatMap((file) => toolCalls(file)).filter((call) => call.tool === "bash");
  if (bash.length === 0) {
    console.warn(`corpus tests skipped: no bash outputs in OpenCode exports at ${CORPUS}`);
    test.skip("template grouping on real bash outputs (corpus missing)", () => {});
    return;
  }

  test("every group regenerates the lines it covers, and observations are byte-identical twice", async () => {
    let groups = 0;
    for (const call of bash) {
      const lines = call.output.split("\n");
      for (const group of templateGroups(lines)) {
        groups++;
        expect(regenerate(group)).toEqual(group.lines.map((i) => lines[i]!));
      }
      expect((await compress({ ...call })).text).toBe((await compress(call)).text);
    }
    expect(groups).toBeGreaterThan(0);
  });

  test("an error line of the cut middle is shown unless more than the listed ones are announced as left out", async () => {
    let checked = 0;
    for (const call of bash) {
      const { text } = await compress(call);
      if (/… \+\d+ more/.test(text)) continue; // the list says how many error lines it left out
      for (const line of call.output.split("\n")) {
        if (!/\berror\b/i.test(line) || line.length > 150 || line.includes("\r") || line.includes("\x1b")) continue;
        expect({ call: call.callID, line, shown: text.includes(line.trim()) }).toEqual({ call: call.callID, line, shown: true });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

/** Every session of the shared corpus, in every format the bench reads. */
const SHARED = resolve(import.meta.dir, "../../../shared/corpus");

describe("every tool output of the shared corpus", () => {
  if (!existsSync(SHARED)) {
    console.warn(`corpus tests skipped: no shared corpus at ${SHARED}`);
    test.skip("every corpus output: kept whole or at most half, byte-identical twice (corpus missing)", () => {});
    return;
  }

  test("is kept whole or sent as at most half of itself, byte-identical twice, with every error line of bash kept when whole", async () => {
    const { loadSessions } = await import("../../src/replay/importers/load.ts");
    const { sessions } = await loadSessions([SHARED], () => {});
    let halved = 0;
    let kept = 0;
    for (const session of sessions) {
      for (const record of session.turns.flatMap((turn) => turn.steps.flatMap((step) => step.calls))) {
        const call: ToolCall = { tool: record.tool, callID: record.callID, input: record.input, output: record.output };
        const first = await compress(call);
        expect((await compress({ ...call, input: { ...call.input } })).text).toBe(first.text);
        expect(lastLine(first.text)).toEndWith(`recall({"id":"${call.callID}"})]`);
        const whole = first.text.startsWith(call.output) && /^\[endless: 0 of /.test(lastLine(first.text));
        if (whole) kept++;
        else {
          halved++;
          expect({ call: call.callID, half: first.text.length <= call.output.length / 2 }).toEqual({ call: call.callID, half: true });
        }
      }
    }
    expect(halved).toBeGreaterThan(0);
    expect(kept).toBeGreaterThan(0);
  });
});
