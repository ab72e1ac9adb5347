/**
 * Secrets that tools print (a `cat .env`, a `printenv`, a key file), replaced in what is sent to the model
 * by `[redacted <kind>]`. Pure and deterministic, so a frozen frontier stays byte for byte the same. The
 * archive keeps the original: recall gives it back on the user's own machine.
 */
const PATTERNS: readonly (readonly [kind: string, pattern: RegExp])[] = [
  ["private key", /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g],
  ["Anthropic key", /\bsk-ant-[A-Za-z0-9_-]{20,}/g],
  ["OpenAI key", /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/g],
  ["GitHub token", /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g],
  ["AWS access key", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ["Slack token", /\bxox[abprs]-[A-Za-z0-9-]{10,}/g],
  ["Google API key", /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ["Stripe key", /\b[sr]k_live_[0-9a-zA-Z]{24,}/g],
  ["JWT", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g],
];

/** `NAME=value` lines whose name says secret (.env files, `printenv`, shell exports); the name stays. */
const ENV_LINE = /^(\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PWD|CREDENTIALS?|AUTH)[A-Za-z0-9_]*\s*[=:]\s*)(\S.*)$/gim;

export function redactSecrets(text: string): string {
  let out = text;
  for (const [kind, pattern] of PATTERNS) out = out.replace(pattern, `[redacted ${kind}]`);
  return out.replace(ENV_LINE, (_line, name: string, value: string) => (value.startsWith("[redacted") ? `${name}${value}` : `${name}[redacted value]`));
}
