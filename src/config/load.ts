import type { z } from "zod";
import { EndlessOptions } from "./schema.ts";

/** The options to run with, and one line per key that was dropped for its default (empty when all were valid). */
export interface LoadResult {
  readonly options: EndlessOptions;
  readonly problems: readonly string[];
}

/** Enough for every key of the schema to be wrong once; the loop ends sooner (each pass drops a key). */
const MAX_PASSES = 64;

const keyOf = (path: readonly PropertyKey[]) => (path.length > 0 ? path.join(".") : "(options)");

/** Names the key, what is wrong, and the fix; never echoes the value (options may hold secrets). */
function describeIssue(issue: z.core.$ZodIssue, path: readonly PropertyKey[]): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown option ${issue.keys.map((k) => `"${[...issue.path, k].join(".")}"`).join(", ")} ignored: remove it or check its spelling (see the README's option table)`;
  }
  return `option "${keyOf(path)}": ${issue.message}; using its default instead. Fix it or remove it (see the README's option table)`;
}

/**
 * The key an issue's fallback drops: the path up to its first array index (a bad list element means the
 * list falls back whole, never a list with a hole in it).
 */
function droppedPath(issue: z.core.$ZodIssue): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (const segment of issue.path) {
    if (typeof segment === "number") break;
    path.push(segment);
  }
  return path;
}

type Obj = Record<PropertyKey, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === "object" && value !== null && !Array.isArray(value);

/** Removes `path` (or the unknown `keys` under it) from the options; false when there was nothing to remove. */
function remove(options: Obj, path: readonly PropertyKey[], keys?: readonly string[]): boolean {
  let parent: unknown = options;
  for (const segment of keys ? path : path.slice(0, -1)) {
    if (!isObject(parent)) return false;
    parent = parent[segment];
  }
  if (!isObject(parent)) return false;
  const names = keys ?? [path.at(-1)!];
  const present = names.filter((name) => name in parent);
  for (const name of present) delete parent[name];
  return present.length > 0;
}

/**
 * Validates the plugin options once, at load. A key whose value is invalid falls back to its default, with
 * one problem line naming it; every other key still applies (one typo must not turn the plugin off).
 */
export function loadOptions(raw: unknown): LoadResult {
  if (raw !== undefined && raw !== null && !isObject(raw)) {
    return {
      options: EndlessOptions.parse({}),
      problems: ['the plugin options must be an object like {"highWaterTokens": 8000}; using every default'],
    };
  }
  const options: Obj = structuredClone(raw ?? {});
  const problems: string[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const parsed = EndlessOptions.safeParse(options);
    if (parsed.success) return { options: parsed.data, problems };
    let removed = false;
    for (const issue of parsed.error.issues) {
      const path = droppedPath(issue);
      const keys = issue.code === "unrecognized_keys" ? issue.keys : undefined;
      // Dropping a parent also drops the children another issue of this pass names: a no-op then.
      if (remove(options, path, keys)) {
        removed = true;
        problems.push(describeIssue(issue, path));
      }
    }
    if (!removed) break;
  }
  return { options: EndlessOptions.parse({}), problems: [...problems, "the options could not be repaired key by key; using every default"] };
}
