import { rng } from "./random-session.ts";

const randomBytes = (seed: number, n: number) => {
  const next = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
};
/** How opencode's bash tool turns a process's bytes into its output text. */
const asToolText = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Outputs no tool should print, and some do. */
export const HOSTILE: Record<string, () => string> = {
  empty: () => "",
  "10 MB": () => Array.from({ length: 140_000 }, (_, i) => `row ${i}: ${"payload ".repeat(8)}`).join("\n"),
  "binary bytes": () => asToolText(randomBytes(1, 256 * 1024)),
  "binary bytes read as latin1": () => Buffer.from(randomBytes(2, 64 * 1024)).toString("latin1"),
  "invalid UTF-8": () => asToolText(Uint8Array.from([0x66, 0x6f, 0x6f, 0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0x0a, 0xf0, 0x90, 0x80])).repeat(5000),
  "lone surrogates (an MCP tool's JSON escapes)": () => JSON.parse(`"${"text \\ud800 more \\udfff end\\n".repeat(3000)}"`) as string,
  "one 1 MB line": () => "x".repeat(1024 * 1024),
  "deeply nested JSON": () => "[".repeat(100_000) + "]".repeat(100_000),
  "deeply nested JSON objects": () => '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000),
  "ANSI escapes": () => Array.from({ length: 3000 }, (_, i) => `\u001b[31mFAIL\u001b[0m test ${i} \u001b[1;32m✓\u001b[0m \u001b[2K\r`).join("\n"),
  "NUL bytes": () => Array.from({ length: 3000 }, (_, i) => `line\u0000${i}\u0000with\u0000nul`).join("\n"),
};

