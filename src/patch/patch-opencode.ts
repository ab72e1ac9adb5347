/**
 * @module
 * Patches an installed opencode executable: checks it is the release the patches were written for,
 * applies every patch and writes a new executable beside it. Any mismatch is an error before
 * anything is written; the input is only ever read.
 */
import { chmodSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { ExecutableFormatError, readBunExecutable, writeBunExecutable } from "./bun-executable.ts";
import { PATCHED_OPENCODE_VERSION } from "./names.ts";
import { applyPatches, type Patch, PatchError } from "./patches.ts";

export interface PatchResult {
  readonly binary: string;
  readonly out: string;
  readonly version: string;
  readonly patches: readonly string[];
  readonly sites: readonly { patch: string; module: string; site: string }[];
  readonly bytes: number;
}

/** The binary `npm install opencode-ai` puts in place for this platform (linux-x64 only). */
export function defaultOpencodeBinary(from: string = import.meta.dir): string {
  const pkg = createRequire(join(from, "index.js")).resolve("opencode-linux-x64/package.json");
  return join(dirname(pkg), "bin", "opencode");
}

/** Beside the input, never over it. */
export const defaultPatchedPath = (binary: string): string => `${binary}-endless`;

/** The opencode release a Bun-compiled opencode names in its embedded argv (`--user-agent=opencode/X`). */
export function opencodeVersionOf(execArgv: string): string | undefined {
  return /--user-agent=opencode\/(\d+\.\d+\.\d+\S*)/.exec(execArgv)?.[1];
}

export function patchOpencode(input: { binary: string; out?: string; patches: readonly Patch[] }): PatchResult {
  const binary = resolve(input.binary);
  const out = resolve(input.out ?? defaultPatchedPath(binary));
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(binary);
  } catch (error) {
    throw new PatchError(`cannot read ${binary}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (sameFile(binary, out)) throw new PatchError(`--out ${out} is the input binary; the patched executable is written beside it, never over it`);
  let exe;
  try {
    exe = readBunExecutable(bytes);
  } catch (error) {
    if (error instanceof ExecutableFormatError) throw new PatchError(`${binary} is not an opencode executable: ${error.message}`);
    throw error;
  }
  const version = opencodeVersionOf(exe.execArgv);
  if (version === undefined) throw new PatchError(`${binary} is a Bun executable but not opencode (its embedded argv does not name opencode)`);
  for (const patch of input.patches) {
    if (patch.opencode !== version) {
      throw new PatchError(`${binary} is opencode ${version}; the patches are for opencode ${patch.opencode}: install it with \`npm install opencode-ai@${PATCHED_OPENCODE_VERSION}\` and patch that`);
    }
  }
  const applied = applyPatches(exe, input.patches);
  const patched = writeBunExecutable(exe, applied.modules);
  // Written under a temporary name and renamed, so a failure never leaves a half-written executable.
  const partial = `${out}.partial-${process.pid}`;
  try {
    writeFileSync(partial, patched, { mode: 0o755 });
    chmodSync(partial, 0o755);
    renameSync(partial, out);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new PatchError(`cannot write ${out}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { binary, out, version, patches: input.patches.map((p) => p.name), sites: applied.sites, bytes: patched.length };
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
