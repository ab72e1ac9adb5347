import type { Session } from "./importers/model.ts";

/**
 * Fact retention: which strings an agent took from a tool output and used later.
 *
 * A fact is a path or file name, an identifier (snake_case, camelCase, dotted), a number of four or more
 * characters, a hex id, or an error string (an error class, errno name or code, or "XError: message").
 * A later reference is a fact whose first appearance in the context was a tool output (so not the user's
 * words, not the agent's, not the call's own input) and that the agent then wrote in its text or in a tool
 * call's input. Each fact counts once, at its first such use: afterwards the agent's own words carry it.
 *
 * @module
 */

const PATTERNS: readonly RegExp[] = [
  /https?:\/\/[^\s"'`<>()[\]{}]+/g, // URLs
  /(?:~|\.{1,2})?\/?(?:[\w@+-][\w@.+-]*\/)+[\w@.+-]*[\w@+-]/g, // paths with at least one slash
  /\b[\w-]+(?:\.[\w-]+)*\.[A-Za-z][A-Za-z0-9]{0,7}\b/g, // file names and dotted names
  /\b[A-Za-z_$][\w$]{3,}\b/g, // identifier candidates, filtered by shape below
  /(?<![\w.])v?\d+(?:\.\d+)*(?!\w)/g, // numbers and versions, standing alone (v2.10.1 gives 2.10.1)
  /\b[0-9a-f]{7,40}\b/g, // hashes and ids
  /\b\w*(?:Error|Exception): [^\n`'"()[\]{}]{8,120}/g, // error lines: "ValueError: bad input"
];

const MIN_LENGTH = 4;
const MAX_LENGTH = 200;

/** Identifier shape: snake_case, camelCase, or an error class; plain words are too common to tell apart. */
const isIdentifierLike = (word: string): boolean =>
  /[A-Za-z0-9]_[A-Za-z0-9]/.test(word) ||
  /[a-z][A-Z]/.test(word) ||
  /^E[A-Z]{3,}$/.test(word) ||
  /^[A-Z]{1,4}\d{3,5}$/.test(word);

function keep(match: string, pattern: number): string | undefined {
  const text = (pattern === 4 ? match.replace(/^v/, "") : match).replace(/[.:,;]+$/, "").trim();
  if (text.length < MIN_LENGTH || text.length > MAX_LENGTH) return undefined;
  if (pattern === 3 && !isIdentifierLike(text)) return undefined;
  if (pattern === 5 && !(/\d/.test(text) && /[a-f]/.test(text))) return undefined;
  return text;
}

/** The facts in a text, as a set of exact strings. */
export function extractFacts(text: string): Set<string> {
  const facts = new Set<string>();
  PATTERNS.forEach((pattern, index) => {
    for (const match of text.matchAll(pattern)) {
      const fact = keep(match[0], index);
      if (fact !== undefined) facts.add(fact);
    }
  });
  return facts;
}

/** The strings of a tool call's input (nested values included), one per line. */
export function inputStrings(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return value.map(inputStrings).join("\n");
  if (typeof value === "object" && value !== null) return Object.values(value).map(inputStrings).join("\n");
  return "";
}

export interface Reference {
  readonly fact: string;
  /** The call whose output it first appeared in. */
  readonly origin: string;
  /** The step (counted over the session) whose text or tool input used it first. */
  readonly useStep: number;
  /** Calls whose output holds it and that came before its use, oldest first (the origin first). */
  readonly holders: readonly string[];
  /** The user repeated it between its appearance and its use: it is in context whatever the policy. */
  readonly inUserText: boolean;
}

/** Every later reference in a session, in the order the agent used them. */
export function findReferences(session: Session): Reference[] {
  const seen = extractFacts(session.system);
  const origin = new Map<string, string>();
  const used = new Set<string>();
  const echoed = new Set<string>();
  const found: Omit<Reference, "holders">[] = [];
  const outputs: { callID: string; facts: Set<string>; step: number }[] = [];
  let step = 0;
  for (const turn of session.turns) {
    for (const fact of extractFacts(turn.user)) {
      if (origin.has(fact) && !used.has(fact)) echoed.add(fact);
      seen.add(fact);
    }
    for (const s of turn.steps) {
      const written = extractFacts([s.text, ...s.calls.map((c) => inputStrings(c.input))].join("\n"));
      for (const fact of written) {
        const from = origin.get(fact);
        if (from !== undefined && !used.has(fact)) {
          found.push({ fact, origin: from, useStep: step, inUserText: echoed.has(fact) });
          used.add(fact);
        }
        seen.add(fact);
      }
      for (const call of s.calls) {
        const facts = extractFacts(call.output);
        outputs.push({ callID: call.callID, facts, step });
        for (const fact of facts) {
          if (seen.has(fact)) continue;
          origin.set(fact, call.callID);
          seen.add(fact);
        }
      }
      step++;
    }
  }
  return found.map((ref) => ({
    ...ref,
    holders: outputs.filter((o) => o.step < ref.useStep && o.facts.has(ref.fact)).map((o) => o.callID),
  }));
}
