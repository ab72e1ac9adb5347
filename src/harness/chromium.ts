/**
 * @module
 * Headless Chromium (Debian's `chromium` package) for tests that check a page renders: `--dump-dom` and
 * `--screenshot` need no extra libraries. Each run gets a fresh profile, no network beyond the file it is
 * given, and is killed by its process group if it overstays.
 */
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deadline, killGroup, spawnGroup } from "./process.ts";

const TIMEOUT_MS = 60_000;

/** The chromium executable, or undefined when it is not installed. */
export function findChromium(): string | undefined {
  return Bun.which("chromium") ?? Bun.which("chromium-browser") ?? undefined;
}

/** Runs chromium headless on a local file with extra flags; returns its stdout. */
async function headless(bin: string, file: string, flags: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), "endless-chromium-"));
  const stdoutPath = join(profile, "stdout.txt");
  const stderrFd = openSync(join(profile, "stderr.txt"), "a");
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    `--user-data-dir=${join(profile, "profile")}`,
    ...flags,
    pathToFileURL(file).href,
  ];
  const child = spawnGroup([bin, ...args], { cwd: profile, env: { HOME: profile, PATH: process.env.PATH ?? "" }, stderrFd, stdoutPath });
  const limit = deadline(TIMEOUT_MS, `chromium did not finish within ${TIMEOUT_MS} ms`);
  try {
    const code = await Promise.race([child.exited, limit.promise]);
    if (code !== 0) throw new Error(`chromium exited ${code}: ${await Bun.file(join(profile, "stderr.txt")).text()}`);
    return await Bun.file(stdoutPath).text();
  } finally {
    limit.clear();
    await killGroup(child);
    closeSync(stderrFd);
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The DOM after the page rendered, as chromium serialises it. */
export const dumpDom = (bin: string, file: string): Promise<string> => headless(bin, file, ["--dump-dom"]);

/** A PNG screenshot of the page at the given window size. */
export async function screenshot(bin: string, file: string, png: string, size = "1200,1600"): Promise<void> {
  await headless(bin, file, [`--screenshot=${png}`, `--window-size=${size}`]);
}
