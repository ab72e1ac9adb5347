import { describe, expect, test } from "bun:test";
import { swapTotals } from "../../src/archive/compression.ts";
import { openArchive } from "../../src/archive/open.ts";
import { createArchiveStore } from "../../src/archive/session-store.ts";
import { archiveToolCall } from "../../src/archive/tool-calls.ts";
import { defaultPolicyConfig } from "../../src/config/schema.ts";
import { type CallView, shapeContext } from "../../src/context/engine.ts";
import { PROMPT_VERSION } from "../../src/observer/prompt.ts";
import { countTokens } from "../../src/tokens/count.ts";

const config = { ...defaultPolicyConfig(), highWaterTokens: 3_000, keepLast: 1 };
const calls: CallView[] = Array.from({ length: 12 }, (_, n) => {
  const output = Array.from({ length: 120 }, (_, i) => `worker ${n} line ${i}: processed batch ${i * 13} without error`).join("\n");
  return { callID: `toolu_${String(n).padStart(2, "0")}`, tool: "bash", input: { command: `run ${n}` }, output, tokens: countTokens(output) };
});
const llmText = (id: string) => `LLM summary of ${id}: 120 lines, all batches processed, no errors.\n[endless: model summary of 120 lines; full output: recall({"id":"${id}"})]`;

describe("LLM observations swap in only at a batch boundary", () => {
  test("an arrived LLM observation waits for the next batch; a call still raw is compressed with it directly", async () => {
    const db = openArchive(":memory:");
    for (const c of calls) archiveToolCall(db, { ...c, sessionID: "s" }, "replace");
    const store = createArchiveStore(db, { llmVersion: PROMPT_VERSION });
    const sent: { texts: Map<string, string>; batched: boolean }[] = [];
    let offered = false;
    for (let n = 1; n <= calls.length; n++) {
      const visible = calls.slice(0, n);
      // A long history before these calls, so the payback rule (tested in test/context) lets due batches through.
      const shaped = await shapeContext({ sessionID: "s", calls: visible, unseen: new Set([visible.at(-1)!.callID]), requests: 100 + n, config, store });
      sent.push({ texts: new Map(visible.map((c) => [c.callID, shaped.renders.get(c.callID) ?? c.output])), batched: shaped.batched });
      if (shaped.batched && !offered) {
        // The worker finishes two jobs right after the first batch: one already compressed, one still raw.
        offered = true;
        expect(shaped.renders.has("toolu_00")).toBe(true);
        expect(shaped.renders.has(visible.at(-1)!.callID)).toBe(false);
        store.offerObservation("s", "toolu_00", llmText("toolu_00"));
        store.offerObservation("s", visible.at(-1)!.callID, llmText(visible.at(-1)!.callID));
      }
    }
    const firstBatch = sent.findIndex((r) => r.batched);
    const secondBatch = sent.findIndex((r, i) => i > firstBatch && r.batched);
    expect(firstBatch).toBeGreaterThan(0);
    expect(secondBatch).toBeGreaterThan(firstBatch + 1);
    const rawAtFirst = calls[firstBatch]!.callID;
    for (let k = 0; k < sent.length; k++) {
      const swapped = sent[k]!.texts.get("toolu_00") === llmText("toolu_00");
      // Between the batches the frozen fast render is sent; from the second batch on, the LLM one.
      expect(swapped).toBe(k >= secondBatch);
      if (k > 0 && !sent[k]!.batched) {
        for (const [id, text] of sent[k - 1]!.texts) expect(sent[k]!.texts.get(id)).toBe(text);
      }
    }
    // The call that was raw when its LLM observation arrived is never sent as a fast observation.
    const rendersOfRaw = new Set(sent.map((r) => r.texts.get(rawAtFirst)).filter((t) => t !== undefined));
    expect([...rendersOfRaw].every((t) => t === calls[firstBatch]!.output || t === llmText(rawAtFirst))).toBe(true);
    expect(rendersOfRaw.has(llmText(rawAtFirst))).toBe(true);
    const totals = swapTotals(db, "s");
    expect(totals.swaps).toBe(1);
    expect(totals.calls).toBe(1);
    expect(totals.savedTokens).toBeGreaterThan(0);
    expect(totals.cacheWriteTokens).toBeGreaterThanOrEqual(countTokens(llmText("toolu_00")));
  });

  test("a restarted plugin finds archived LLM observations for the prompt version, and ignores other versions", async () => {
    const db = openArchive(":memory:");
    archiveToolCall(db, { ...calls[0]!, sessionID: "s" }, "replace");
    const row = db.query<{ id: number }, []>("SELECT id FROM tool_calls").get()!.id;
    db.query("INSERT INTO observations (call_row, method, version, text, tokens, created_at) VALUES (?, 'llm', ?, ?, 10, 0)").run(row, PROMPT_VERSION, "current");
    db.query("INSERT INTO observations (call_row, method, version, text, tokens, created_at) VALUES (?, 'llm', ?, ?, 10, 0)").run(row, PROMPT_VERSION + 1, "other");
    expect(await createArchiveStore(db, { llmVersion: PROMPT_VERSION }).observe("s", calls[0]!)).toBe("current");
    // Without a configured model the fast observation is used, and the LLM rows never pass for it.
    const fast = await createArchiveStore(db).observe("s", calls[0]!);
    expect(fast).toContain("[endless:");
    expect(fast).not.toBe("current");
  });
});
