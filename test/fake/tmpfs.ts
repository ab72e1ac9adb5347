import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real, small tmpfs (needs root: `mount -t tmpfs`), to fill up, remount read-only and grow again. `undefined`
 * when mounting is refused; the caller skips with a visible message.
 */
export function smallFilesystem(sizeKiB: number) {
  const path = mkdtempSync(join(tmpdir(), "endless-tmpfs-"));
  const mount = (...args: string[]) => Bun.spawnSync(["mount", ...args], { stdout: "ignore", stderr: "pipe" });
  if (mount("-t", "tmpfs", "-o", `size=${sizeKiB}k,mode=0755`, "tmpfs", path).exitCode !== 0) {
    rmSync(path, { recursive: true, force: true });
    return undefined;
  }
  const remount = (options: string) => {
    const result = mount("-o", `remount,${options}`, path);
    if (result.exitCode !== 0) throw new Error(`remount ${options} of ${path} failed: ${result.stderr.toString()}`);
  };
  const dispose = () => {
    Bun.spawnSync(["umount", "-l", path]);
    rmSync(path, { recursive: true, force: true });
  };
  return {
    path,
    remount,
    /** Writes filler files until the filesystem is full (ENOSPC): under 512 bytes stay free. */
    fill(): void {
      const filler = join(path, "filler");
      let size = 16 * 1024 * 1024;
      try {
        writeFileSync(filler, Buffer.alloc(size));
      } catch {
        // ENOSPC: the file holds what fitted.
      }
      for (size = 64 * 1024; size >= 512; size /= 2) {
        try {
          writeFileSync(join(path, `filler-${size}-${Math.random()}`), Buffer.alloc(size));
        } catch {
          // Full at this size; try smaller pieces.
        }
      }
    },
    /** Frees the space again (as a user deleting files does). */
    free(): void {
      for (const name of new Bun.Glob("filler*").scanSync(path)) rmSync(join(path, name), { force: true });
    },
    [Symbol.dispose]: dispose,
  };
}

export const tmpfsSkipMessage = "mount -t tmpfs was refused (needs root): the real disk-full and read-only tests are skipped";
