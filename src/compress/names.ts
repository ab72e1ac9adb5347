/**
 * Names an agent tends to reuse from a tool output it has read: paths, file names, dotted names, code
 * identifiers (snake_case, camelCase, PascalCase with inner capitals), versions and hex ids. Observations
 * list the ones their text left out, within a size budget, so an old output still answers "what was that
 * file / function / version called" without a recall.
 *
 * @module
 */

/** Runs of characters that can make up one name; everything else separates names. */
const RUN = /[\w$@.\/+~-]+/g;
const MIN_CHARS = 4;
const MAX_CHARS = 120;

type Kind = "path" | "dotted" | "identifier" | "version" | "hex";

/** A fallback order when scores tie: the kinds agents reuse most often first. */
const KIND_RANK: Readonly<Record<Kind, number>> = { identifier: 0, dotted: 1, path: 2, version: 3, hex: 4 };

/** Leading flag dashes, diff markers and dots, and trailing punctuation are not part of a name. */
const trim = (run: string): string => run.replace(/^[-+.]+(?=[\w$@~\/])/, "").replace(/[-.\/+]+$/, "");

/**
 * Generated strings (hashes in pseudo-versions, base64, timestamps) switch between lower case, upper case
 * and digits far more often than names people write, or carry long digit runs.
 */
function looksGenerated(name: string): boolean {
  if (/\d{8,}/.test(name)) return true;
  const word = name.replace(/[^A-Za-z0-9]/g, "");
  if (word.length < 12) return false;
  const classOf = (ch: string) => (ch >= "0" && ch <= "9" ? 0 : ch >= "a" && ch <= "z" ? 1 : 2);
  let switches = 0;
  for (let i = 1; i < word.length; i++) if (classOf(word[i]!) !== classOf(word[i - 1]!)) switches++;
  return switches > word.length / 3;
}

function kindOf(name: string): Kind | undefined {
  if (name.length < MIN_CHARS || name.length > MAX_CHARS || looksGenerated(name)) return undefined;
  if (name.startsWith("//")) return undefined; // the rest of a URL: too long and rarely reused
  if (/^v?\d+(\.\d+){1,3}([-+][\w.]+)?$/.test(name)) return name.includes(".") ? "version" : undefined;
  if (name.includes("/")) return /[A-Za-z]/.test(name) && !/\/\//.test(name) && /[^/]\/|\.\w+$/.test(name) ? "path" : undefined;
  if (/^[0-9a-f]{7,40}$/.test(name)) return /\d/.test(name) && /[a-f]/.test(name) ? "hex" : undefined;
  if (/^[\w$@-]+(\.[\w$@-]+)*\.[A-Za-z_$][\w$]*$/.test(name) && /[A-Za-z]/.test(name.slice(0, name.indexOf(".")))) return "dotted";
  if (/^[A-Za-z_$][\w$]*$/.test(name) && (/[A-Za-z0-9]_[A-Za-z0-9]/.test(name) || /[a-z][A-Z]/.test(name) || /[A-Z]{2}[a-z]/.test(name))) {
    return "identifier";
  }
  return undefined;
}

interface Candidate {
  readonly name: string;
  readonly kind: Kind;
  readonly first: number;
  count: number;
}

/** Names used again within the output matter more (up to a point); long ones cost more room. */
const score = (c: Candidate): number => Math.min(c.count, 3) / (1 + c.name.length / 24);

/** `\n`, `\t` and `\r` inside JSON strings are line breaks and tabs, not the first letter of the name after them. */
const ESCAPES = /\\[nrt]/g;

function candidates(text: string): Candidate[] {
  const found = new Map<string, Candidate>();
  for (const match of text.replace(ESCAPES, "  ").matchAll(RUN)) {
    const name = trim(match[0]);
    const known = found.get(name);
    if (known) {
      known.count++;
      continue;
    }
    const kind = kindOf(name);
    if (kind) found.set(name, { name, kind, first: match.index, count: 1 });
  }
  return [...found.values()];
}

/**
 * The names of `text` that `shown` does not already contain, best first (repeated and short ones, then by
 * kind, then by first appearance), until `budget` characters are used; listed in the order they first appear.
 * Deterministic: the same inputs give the same list.
 */
export function namesLeftOut(text: string, shown: string, budget: number): { names: string[]; more: number } {
  const ranked = candidates(text)
    .filter((c) => !shown.includes(c.name))
    .sort((a, b) => score(b) - score(a) || KIND_RANK[a.kind] - KIND_RANK[b.kind] || a.first - b.first);
  const picked: Candidate[] = [];
  let used = 0;
  let more = 0;
  for (const c of ranked) {
    if (picked.some((p) => p.name.includes(c.name))) continue;
    if (used + c.name.length + 2 > budget) {
      more++;
      continue;
    }
    picked.push(c);
    used += c.name.length + 2;
  }
  return { names: picked.sort((a, b) => a.first - b.first).map((c) => c.name), more };
}
