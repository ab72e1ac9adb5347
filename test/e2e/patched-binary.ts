import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultOpencodeBinary, patchOpencode } from "../../src/patch/patch-opencode.ts";
import { loadPatches } from "../../src/patch/patches.ts";

/**
 * The patched opencode the patched e2e tests run: the one CI built with `endless patch-opencode`
 * (ENDLESS_PATCHED_OPENCODE), else one built here from the npm binary, once per test process and removed
 * when it exits (it is the size of opencode itself). Throws when neither exists, so those tests fail
 * rather than skip.
 */
let builtHere: string | undefined;

export function patchedOpencode(): string {
  const built = process.env.ENDLESS_PATCHED_OPENCODE;
  if (built !== undefined && built !== "") {
    if (!existsSync(built)) throw new Error(`ENDLESS_PATCHED_OPENCODE=${built} does not exist: \`endless patch-opencode\` failed to build it (see the CI log)`);
    return built;
  }
  if (builtHere !== undefined && existsSync(builtHere)) return builtHere;
  const dir = mkdtempSync(join(tmpdir(), "endless-patched-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  builtHere = patchOpencode({ binary: defaultOpencodeBinary(), out: join(dir, "opencode"), patches: loadPatches() }).out;
  return builtHere;
}
