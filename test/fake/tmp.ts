import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir as osTmpdir } from "node:os";
import { join } from "node:path";

/** A temp directory removed at the end of the scope: `await using dir = tmpdir()` or `using dir = tmpdir()`. */
export function tmpdir(prefix = "endless-test-") {
  const path = mkdtempSync(join(osTmpdir(), prefix));
  const remove = () => rmSync(path, { recursive: true, force: true });
  return { path, [Symbol.dispose]: remove, [Symbol.asyncDispose]: async () => remove() };
}
