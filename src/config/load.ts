import type { z } from "zod";
import { EndlessOptions } from "./schema.ts";

export type LoadResult = { ok: true; options: EndlessOptions } | { ok: false; problems: string[] };

/** Names the key, what is wrong, and the fix; never echoes the value (options may hold secrets). */
function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length > 0 ? issue.path.join(".") : "(options)";
  if (issue.code === "unrecognized_keys") {
    return `unknown option ${issue.keys.map((k) => `"${[...issue.path, k].join(".")}"`).join(", ")}: remove it or check its spelling (see the README's option table)`;
  }
  return `option "${key}": ${issue.message}; fix it or remove it to use the default (see the README's option table)`;
}

/** Validates the plugin options once, at load. Invalid options are reported, never partly applied. */
export function loadOptions(raw: unknown): LoadResult {
  const parsed = EndlessOptions.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, options: parsed.data };
  return { ok: false, problems: parsed.error.issues.map(describeIssue) };
}
