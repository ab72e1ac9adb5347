import { expect, test } from "bun:test";
import { redactSecrets } from "../../src/compress/redact.ts";

// Real formats, made-up values (each matches its provider's published shape).
const SECRETS = {
  anthropic: "sk-ant-api03-" + "Ab1_".repeat(22) + "AA",
  openai: "sk-proj-" + "Zx9Q".repeat(12),
  github: "ghp_" + "a1B2".repeat(9),
  githubPat: "github_pat_11ABCDEFG0" + "x".repeat(60),
  aws: "AKIAIOSFODNN7EXAMPLE",
  slack: "xoxb-1234567890-abcdefghij",
  google: "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
  stripe: "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
};

test("redacts real key formats, private keys and secret .env lines, and nothing else", () => {
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----";
  const text = [
    ...Object.entries(SECRETS).map(([name, value]) => `${name} value: ${value}`),
    key,
    "DATABASE_PASSWORD=hunter2",
    "export STRIPE_SECRET=abc123",
    "PORT=3000",
    "commit 3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
    "src/main.ts:12: const skip = 'sk-short';",
  ].join("\n");
  const out = redactSecrets(text);
  for (const value of [...Object.values(SECRETS), "hunter2", "abc123", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"]) expect(out).not.toContain(value);
  expect(out).toContain("anthropic value: [redacted Anthropic key]");
  expect(out).toContain("aws value: [redacted AWS access key]");
  expect(out).toContain("[redacted private key]");
  expect(out).toContain("DATABASE_PASSWORD=[redacted value]");
  expect(out).toContain("PORT=3000");
  expect(out).toContain("commit 3f2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a");
  expect(out).toContain("'sk-short'");
  expect(redactSecrets(out)).toBe(out);
});
