import { rng } from "./random-session.ts";

/** Step `i` of the kill test's endless scripted session: the same call for the same seed in every process. */
export function killSessionStep(seed: number, i: number) {
  const next = rng(seed * 100_003 + i);
  const tool = ["bash", "read", "grep"][i % 3]!;
  const lines = 20 + Math.floor(next() * 200);
  const output = Array.from({ length: lines }, (_, l) => `${tool} step ${i} line ${l}: value=${Math.floor(next() * 1e6)}`).join("\n");
  return { callID: `toolu_k${i}`, tool, input: { command: `step ${i}`, filePath: `/p/notes${i}.txt` }, output };
}
