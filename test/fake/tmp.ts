import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir as osTmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A temp folder, with `files` written in it (names may hold subfolders), removed at the end of the scope:
 * `await using dir = tmpdir()` or `using dir = tmpdir()`.
 */
export function tmpdir(files: Record<string, string> = {}) {
  const path = mkdtempSync(join(osTmpdir(), "endless-test-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(path, name)), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  const remove = () => rmSync(path, { recursive: true, force: true });
  return { path, [Symbol.dispose]: remove, [Symbol.asyncDispose]: async () => remove() };
}
