import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultOpencodeBinary, patchOpencode } from "../../src/patch/patch-opencode.ts";
import { loadPatches } from "../../src/patch/patches.ts";

/** Where a local run keeps the patched binary it built (ignored by git with node_modules). */
const CACHE = fileURLToPath(new URL("../../node_modules/.cache/opencode-endless/", import.meta.url));

/**
 * The patched opencode the patched e2e tests run: the one CI built with `endless patch-opencode`
 * (ENDLESS_PATCHED_OPENCODE), else one built here from the npm binary and kept for the next run, one file
 * per binary and patch set (it is the size of opencode itself). Throws when it cannot be had, so those
 * tests fail rather than skip.
 */
export function patchedOpencode(): string {
  const built = process.env.ENDLESS_PATCHED_OPENCODE;
  if (built !== undefined && built !== "") {
    if (!existsSync(built)) throw new Error(`ENDLESS_PATCHED_OPENCODE=${built} does not exist: \`endless patch-opencode\` failed to build it (see the CI log)`);
    return built;
  }
  const binary = defaultOpencodeBinary();
  const patches = loadPatches();
  const stat = statSync(binary);
  const key = createHash("sha256").update(JSON.stringify({ binary, size: stat.size, mtime: stat.mtimeMs, patches })).digest("hex").slice(0, 16);
  const out = join(CACHE, `opencode-patched-${key}`);
  if (existsSync(out)) return out;
  mkdirSync(dirname(out), { recursive: true });
  // Built beside its final name and renamed into it: a run killed mid-build leaves no half binary behind that name.
  const partial = `${out}.${process.pid}.partial`;
  patchOpencode({ binary, out: partial, patches });
  renameSync(partial, out);
  return out;
}
