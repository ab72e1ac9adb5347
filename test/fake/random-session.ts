/** A seeded generator, so a failing property test can be replayed from its seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const TOOLS = ["bash", "read", "grep", "glob", "todowrite", "recall", "webfetch", "edit"] as const;

export interface FakeCall {
  callID: string;
  tool: string;
  input: Record<string, unknown>;
  output: string;
  tokens: number;
}

/** A random session of tool calls; some repeat an earlier read or command, as agents do. */
export function randomCalls(seed: number, count: number): FakeCall[] {
  const next = rng(seed);
  const calls: FakeCall[] = [];
  for (let i = 0; i < count; i++) {
    const tool = TOOLS[Math.floor(next() * TOOLS.length)]!;
    const repeat = calls.length > 0 && next() < 0.15 ? calls[Math.floor(next() * calls.length)] : undefined;
    const lines = 1 + Math.floor(next() * 400);
    const output = Array.from({ length: lines }, (_, l) => `${tool} line ${l} of call ${i}: value=${Math.floor(next() * 1e6)}`).join("\n");
    const input = repeat && repeat.tool === tool ? repeat.input : { command: `cmd-${i}`, filePath: `/p/f${i}.ts`, pattern: `p${i}` };
    calls.push({ callID: `toolu_${seed}_${i}`, tool, input, output, tokens: Math.ceil(output.length / 4) });
  }
  return calls;
}
