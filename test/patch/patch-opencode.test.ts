/**
 * The patcher against the real npm binary (opencode-linux-x64@1.18.33): what it writes, and what it
 * refuses. Variants of the real binary (another version, not opencode) are byte edits of its embedded
 * argv, made in temp files; every refusal is checked to leave its input byte-identical (SHA-256).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.ts";
import { readBunExecutable } from "../../src/patch/bun-executable.ts";
import { PATCH_MARKER, PATCH_NAMES } from "../../src/patch/names.ts";
import { defaultOpencodeBinary, opencodeVersionOf, patchOpencode } from "../../src/patch/patch-opencode.ts";
import { applyPatches, loadPatches, type Patch, PatchError } from "../../src/patch/patches.ts";

const TIMEOUT_MS = 120_000;
// Every test reads or writes a 185 MB executable: slow on a loaded machine.
setDefaultTimeout(TIMEOUT_MS);
const STOCK = defaultOpencodeBinary();
const dir = mkdtempSync(join(tmpdir(), "endless-patch-"));
const patched = join(dir, "opencode-patched");

const sha256 = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A copy of the stock binary with one same-length string of its embedded argv replaced. */
function variant(name: string, from: string, to: string): string {
  expect(to.length).toBe(from.length);
  const bytes = readFileSync(STOCK);
  const at = bytes.indexOf(Buffer.from(`--user-agent=${from}`));
  expect(at).toBeGreaterThan(0);
  bytes.write(`--user-agent=${to}`, at, "latin1");
  const path = join(dir, name);
  writeFileSync(path, bytes, { mode: 0o755 });
  return path;
}

let stockHash = "";
beforeAll(async () => {
  stockHash = sha256(STOCK);
  const r = await run("patch-opencode", "--binary", STOCK, "--out", patched);
  expect(r.err).not.toContain("Nothing was written");
  expect(r.code).toBe(0);
}, TIMEOUT_MS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("endless patch-opencode on opencode 1.18.33", () => {
  test("writes an executable (mode 0755) that carries every patch once and the marker, leaving the input unchanged", () => {
    expect(sha256(STOCK)).toBe(stockHash);
    expect(statSync(patched).mode & 0o777).toBe(0o755);
    const stock = readBunExecutable(readFileSync(STOCK));
    const exe = readBunExecutable(readFileSync(patched));
    expect(exe.modules.map((m) => m.name)).toEqual(stock.modules.map((m) => m.name));
    const text = exe.modules.map((m) => new TextDecoder("latin1").decode(m.contents)).join("\n");
    for (const patch of loadPatches()) {
      for (const edit of patch.edits) {
        expect(text.split(edit.replacement).length - 1).toBe(1);
        // Some replacements keep their anchor as a prefix; the rest must be gone.
        if (!edit.replacement.includes(edit.anchor)) expect(text.includes(edit.anchor)).toBe(false);
      }
    }
    expect(text).toContain(`globalThis.${PATCH_MARKER}=Object.freeze(${JSON.stringify([...loadPatches().map((p) => p.name)])})`);
    // Modules no patch touches are byte-identical.
    const touched = new Set(exe.modules.filter((m, i) => Buffer.compare(m.contents, stock.modules[i]!.contents) !== 0).map((m) => m.name));
    expect([...touched].sort()).toEqual(["/$bunfs/root/chunk-p1c43e92.js", "/$bunfs/root/src/index.js"]);
  }, TIMEOUT_MS);

  test(
    "the patched executable runs and reports 1.18.33",
    () => {
      const proc = Bun.spawnSync([patched, "--version"], { env: { PATH: process.env.PATH ?? "", HOME: dir }, timeout: 60_000 });
      expect(new TextDecoder().decode(proc.stdout).trim()).toBe("1.18.33");
      expect(proc.exitCode).toBe(0);
    },
    TIMEOUT_MS,
  );

  test("prints how to use the result", async () => {
    const out = join(dir, "again");
    const r = await run("patch-opencode", "--binary", STOCK, "--out", out);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`patched opencode 1.18.33 (${[...PATCH_NAMES].sort().join(", ")}) -> ${out}`);
    expect(r.out).toContain(`${out} run`);
    rmSync(out);
  }, TIMEOUT_MS);

  test("the default output goes beside the input, never over it", () => {
    expect(() => patchOpencode({ binary: STOCK, out: STOCK, patches: loadPatches() })).toThrow(/is the input binary/);
    expect(sha256(STOCK)).toBe(stockHash);
  }, TIMEOUT_MS);
});

describe("endless patch-opencode refuses, changing nothing", () => {
  async function refuses(input: string, message: RegExp) {
    const before = sha256(input);
    const out = join(dir, "refused");
    const r = await run("patch-opencode", "--binary", input, "--out", out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).toContain("Nothing was written.");
    expect(existsSync(out)).toBe(false);
    expect(sha256(input)).toBe(before);
  }

  test("an already patched binary", () => refuses(patched, /already patched/), TIMEOUT_MS);

  test("opencode of another version", async () => {
    const other = variant("opencode-1.18.32", "opencode/1.18.33", "opencode/1.18.32");
    await refuses(other, /is opencode 1\.18\.32; the patches are for opencode 1\.18\.33: install it with `npm install opencode-ai@1\.18\.33`/);
  }, TIMEOUT_MS);

  test("a Bun executable that is not opencode", async () => {
    const other = variant("not-opencode", "opencode/1.18.33", "someapp1/1.18.33");
    await refuses(other, /is a Bun executable but not opencode/);
  }, TIMEOUT_MS);

  test("an ELF executable that is not a Bun standalone one (the Bun runtime itself)", async () => {
    const bun = join(dir, "bun");
    copyFileSync(process.execPath, bun);
    await refuses(bun, /is not an opencode executable: .*\.bun/);
  }, TIMEOUT_MS);

  test("a file that is not an executable at all", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello\n");
    await refuses(text, /is not an opencode executable: not an ELF executable/);
  });

  test("a missing file", async () => {
    const r = await run("patch-opencode", "--binary", join(dir, "nope"), "--out", join(dir, "refused"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot read .*nope/);
  });
});

describe("applyPatches checks every anchor", () => {
  const exe = readBunExecutable(readFileSync(STOCK));
  const patch = (anchor: string): Patch => ({
    name: "step-finish",
    opencode: "1.18.33",
    adds: "a test edit",
    whyNoHook: "a test",
    mirrors: "none",
    edits: [{ site: "test", anchor, replacement: "x" }],
  });

  test("an anchor that does not occur", () => {
    expect(() => applyPatches(exe, [patch("this string is not in opencode 1.18.33")])).toThrow(/anchor found 0 times, expected exactly once/);
  });

  test("an anchor that occurs more than once", () => {
    expect(() => applyPatches(exe, [patch('"experimental.chat.messages.transform"')])).toThrow(PatchError);
    expect(() => applyPatches(exe, [patch('"experimental.chat.messages.transform"')])).toThrow(/found [2-9] times/);
  });

  test("two edits claiming the same code", () => {
    const edit = loadPatches()[0]!.edits[0]!;
    const twice: Patch = { ...patch(edit.anchor), edits: [edit, { ...edit, replacement: "y" }] };
    expect(() => applyPatches(exe, [twice])).toThrow(/found 0 times/);
  });

  test("the version is read from the embedded argv", () => {
    expect(opencodeVersionOf(exe.execArgv)).toBe("1.18.33");
    expect(opencodeVersionOf("--use-system-ca --")).toBeUndefined();
  });
});
