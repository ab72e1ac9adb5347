import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { defaultArchivePath, openArchiveReadOnly } from "../archive/open.ts";
import { MIGRATIONS } from "../archive/migrations.ts";
import { loadOptions } from "../config/load.ts";
import type { CompressionOptions } from "../config/compression.ts";
import { formatBytes } from "../format/number.ts";
import { callModel } from "../observer/clients.ts";
import { createProviderRegistry } from "../observer/providers.ts";
import { patchesInBinary } from "../patch/detect.ts";
import { type Command, UsageError } from "./io.ts";

const USAGE = `usage: endless doctor [--project DIR] [--opencode FILE] [--archive FILE] [--probe]

Checks what Endless depends on and says what to fix: the opencode binary (its version, stock or patched),
where opencode loads the plugin from and whether its options are valid, and the archive's health
(integrity check, size, schema version, WAL size), and that each configured compression model can be
reached. Exits 1 when something needs fixing.

options:
  --project DIR    the project whose opencode.json to read (default: the current folder)
  --opencode FILE  the opencode executable (default: $OPENCODE_BIN, else opencode on PATH, else this package's)
  --archive FILE   the archive to check (default: the plugin's archivePath option, else the default path)
  --probe          also send a one-token request to each configured compression model
  -h, --help       this text`;

/** One line of the report: ok, a warning (works, but worth knowing), or a problem (with its fix). */
export interface Check {
  readonly name: string;
  readonly status: "ok" | "warn" | "problem";
  readonly detail: string;
}

const OWN_BIN = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));
const VERSION_TIMEOUT_MS = 30_000;

function findOpencode(named: string | undefined): string | undefined {
  if (named !== undefined) return named;
  if (process.env.OPENCODE_BIN) return process.env.OPENCODE_BIN;
  return Bun.which("opencode") ?? (existsSync(OWN_BIN) ? OWN_BIN : undefined);
}

/** `opencode --version`, bounded; the process is killed by PID if it overstays. */
async function opencodeVersion(bin: string): Promise<string> {
  const child = Bun.spawn([bin, "--version"], { stdout: "pipe", stderr: "ignore", stdin: "ignore", env: { ...process.env, OPENCODE_DISABLE_AUTOUPDATE: "1" } });
  const timer = setTimeout(() => child.kill("SIGKILL"), VERSION_TIMEOUT_MS);
  try {
    const text = await new Response(child.stdout).text();
    const code = await child.exited;
    if (code !== 0) throw new Error(`exited ${code}`);
    return text.trim().split("\n").at(-1) ?? "";
  } finally {
    clearTimeout(timer);
  }
}

async function checkOpencode(named: string | undefined): Promise<Check[]> {
  const bin = findOpencode(named);
  if (bin === undefined || !existsSync(bin)) {
    return [{ name: "opencode", status: "problem", detail: `${bin ?? "opencode"} not found: install it (npm i -g opencode-ai@1.18.33) or pass --opencode FILE` }];
  }
  const real = realpathSync(bin);
  try {
    const version = await opencodeVersion(bin);
    const checks: Check[] = [
      { name: "opencode", status: version === "1.18.33" ? "ok" : "warn", detail: `${version} at ${real}${version === "1.18.33" ? "" : " (Endless is built and tested against 1.18.33)"}` },
    ];
    const patches = patchesInBinary(real);
    checks.push({
      name: "binary",
      status: "ok",
      detail: patches.length > 0 ? `patched: ${patches.join(", ")}` : "stock (no opencode-endless patches; `endless patch-opencode` writes a patched one)",
    });
    return checks;
  } catch (error) {
    return [{ name: "opencode", status: "problem", detail: `${real} did not answer --version (${error instanceof Error ? error.message : String(error)}): reinstall opencode-ai or pass --opencode FILE` }];
  }
}

interface PluginEntry {
  readonly file: string;
  readonly spec: string;
  readonly options: unknown;
}

/** The opencode config files opencode reads, in its order: global, OPENCODE_CONFIG, then the project's. */
function configFiles(project: string): string[] {
  const configHome = process.env.XDG_CONFIG_HOME || join(process.env.HOME ?? "", ".config");
  const global = ["config.json", "opencode.json", "opencode.jsonc"].map((f) => join(configHome, "opencode", f));
  const named = process.env.OPENCODE_CONFIG ? [process.env.OPENCODE_CONFIG] : [];
  const local = ["opencode.json", "opencode.jsonc", ".opencode/opencode.json", ".opencode/opencode.jsonc"].map((f) => join(project, f));
  return [...global, ...named, ...local].filter((f) => existsSync(f));
}

const isEndless = (spec: string): boolean => spec.includes("opencode-endless") || spec.endsWith("/plugin/index.ts");

function pluginEntries(files: readonly string[]): { entries: PluginEntry[]; configs: unknown[]; unreadable: Check[] } {
  const entries: PluginEntry[] = [];
  const configs: unknown[] = [];
  const unreadable: Check[] = [];
  for (const file of files) {
    let config: unknown;
    try {
      config = Bun.JSONC.parse(readFileSync(file, "utf8"));
    } catch (error) {
      unreadable.push({ name: "config", status: "problem", detail: `${file} is not valid JSON(C) (${error instanceof Error ? error.message : String(error)}): fix the file, opencode will not start with it` });
      continue;
    }
    configs.push(config);
    const plugins = typeof config === "object" && config !== null ? (config as { plugin?: unknown }).plugin : undefined;
    for (const item of Array.isArray(plugins) ? plugins : []) {
      const [spec, options] = Array.isArray(item) ? [item[0], item[1]] : [item, undefined];
      if (typeof spec === "string" && isEndless(spec)) entries.push({ file, spec, options });
    }
  }
  return { entries, configs, unreadable };
}

/** What the checks after the plugin's need of it: its options, and the opencode.json blocks read. */
interface PluginFound {
  readonly checks: Check[];
  readonly archivePath?: string;
  readonly compression?: CompressionOptions;
  readonly configs: readonly unknown[];
}

/** Where the plugin comes from, and whether its options are valid (naming each key that is not). */
function checkPlugin(project: string): PluginFound {
  const { entries, configs, unreadable } = pluginEntries(configFiles(project));
  const entry = entries.at(-1);
  if (entry === undefined) {
    return {
      configs,
      checks: [...unreadable, { name: "plugin", status: "problem", detail: `no opencode-endless entry in the opencode.json files read for ${project}: add "plugin": ["file:///path/to/opencode-endless/plugin/index.ts"]` }],
    };
  }
  const checks: Check[] = [...unreadable, { name: "plugin", status: "ok", detail: `${entry.spec} (from ${entry.file})` }];
  if (entry.spec.startsWith("file://")) {
    const path = fileURLToPath(entry.spec);
    if (!existsSync(path)) checks.push({ name: "plugin file", status: "problem", detail: `${path} does not exist: fix the path in ${entry.file}` });
  }
  // The plugin runs with a bad key's default; the key is still worth fixing, so it is a problem here.
  const loaded = loadOptions(entry.options);
  if (loaded.problems.length > 0) {
    checks.push({ name: "options", status: "problem", detail: `${loaded.problems.join("; ")} (in ${entry.file}; until fixed, the default applies)` });
  } else {
    checks.push({ name: "options", status: "ok", detail: entry.options === undefined ? "none given: every default applies" : "valid" });
  }
  if (!loaded.options.enabled) checks.push({ name: "enabled", status: "warn", detail: "enabled is false: Endless is a pass-through" });
  return { checks, configs, archivePath: loaded.options.archivePath, compression: loaded.options.compression };
}

function checkArchive(path: string): Check[] {
  if (!existsSync(path)) return [{ name: "archive", status: "warn", detail: `${path} does not exist yet: the plugin creates it at the first tool call` }];
  const size = statSync(path).size;
  const walPath = `${path}-wal`;
  const wal = existsSync(walPath) ? statSync(walPath).size : 0;
  let db;
  try {
    db = openArchiveReadOnly(path);
  } catch (error) {
    return [{ name: "archive", status: "problem", detail: error instanceof Error ? error.message : String(error) }];
  }
  try {
    const integrity = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all().map((r) => r.integrity_check);
    const version = db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
    const healthy = integrity.length === 1 && integrity[0] === "ok";
    return [
      {
        name: "archive",
        status: healthy ? "ok" : "problem",
        detail: healthy
          ? `${path}: integrity ok, ${formatBytes(size)}, WAL ${formatBytes(wal)}, schema version ${version} of ${MIGRATIONS.length}`
          : `${path}: integrity check failed (${integrity.slice(0, 3).join("; ")}): move the file aside (opencode-endless starts a fresh one) or set archivePath`,
      },
    ];
  } finally {
    db.close();
  }
}

/**
 * The compression models the options name: each must resolve to an endpoint (a base URL and a key, from
 * opencode.json, auth.json or the environment, as the plugin resolves them); with --probe, each is sent a
 * one-token request.
 */
async function checkCompression(found: PluginFound, probe: boolean): Promise<Check[]> {
  const options = found.compression;
  const refs = [...new Set(Object.values(options?.models ?? {}).flatMap((chain) => (typeof chain === "string" ? [chain] : chain)))];
  if (options === undefined || refs.length === 0) {
    return [{ name: "compression", status: "ok", detail: `no compression model configured (fast compressors only)${probe ? ": nothing to probe" : ""}` }];
  }
  const registry = createProviderRegistry();
  for (const config of found.configs) registry.learnConfig(config);
  return Promise.all(
    refs.map(async (ref): Promise<Check> => {
      const name = `compression ${ref}`;
      const resolved = registry.resolve(ref, options.providers[ref.slice(0, ref.indexOf("/"))]);
      if (!resolved.ok) return { name, status: "problem", detail: resolved.problem };
      const at = `${resolved.endpoint.protocol} API at ${resolved.endpoint.baseURL}`;
      if (!probe) return { name, status: "ok", detail: `${at} (--probe sends it a one-token request)` };
      const started = performance.now();
      try {
        await callModel(resolved.endpoint, { system: "Answer with one word.", prompt: "ok?", maxTokens: 1, timeoutMs: options.timeoutMs });
        return { name, status: "ok", detail: `${at}: answered a one-token probe in ${Math.round(performance.now() - started)} ms` };
      } catch (error) {
        return { name, status: "problem", detail: `${at}: the probe failed (${error instanceof Error ? error.message : String(error)}): check the key and the base URL` };
      }
    }),
  );
}

const MARK = { ok: "ok  ", warn: "warn", problem: "FIX " } as const;

export const doctorCommand: Command = {
  summary: "check opencode, the plugin entry and options, and the archive's health",
  usage: USAGE,
  async run(argv, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          project: { type: "string" },
          opencode: { type: "string" },
          archive: { type: "string" },
          probe: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
        },
        strict: true,
      }));
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const project = resolve(values.project ?? process.cwd());
    if (!existsSync(project)) throw new UsageError(`--project ${project} does not exist: name the folder you run opencode in`);
    const plugin = checkPlugin(project);
    const archivePath = values.archive ?? plugin.archivePath ?? defaultArchivePath();
    const checks = [...(await checkOpencode(values.opencode)), ...plugin.checks, ...checkArchive(archivePath), ...(await checkCompression(plugin, values.probe))];
    io.out(checks.map((c) => `${MARK[c.status]} ${c.name.padEnd(12)} ${c.detail}`).join("\n"));
    const problems = checks.filter((c) => c.status === "problem").length;
    io.out(problems === 0 ? "\nno problems found" : `\n${problems} ${problems === 1 ? "problem" : "problems"} to fix (marked FIX)`);
    return problems === 0 ? 0 : 1;
  },
};
