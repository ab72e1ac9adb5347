/**
 * @module
 * The isolated "world" an opencode process runs in: its own HOME and XDG dirs under one temp root,
 * a minimal environment, and config dirs pre-seeded so opencode never runs npm.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Must match the opencode binary: opencode installs this exact version into each config dir. */
export const PLUGIN_PACKAGE_VERSION = "1.18.33";

export interface WorldDirs {
  root: string;
  home: string;
  /** The project opencode runs in (its cwd); holds `opencode.json`. */
  project: string;
  config: string;
  data: string;
  cache: string;
  state: string;
}

export function createWorldDirs(root: string): WorldDirs {
  const dirs: WorldDirs = {
    root,
    home: join(root, "home"),
    project: join(root, "project"),
    config: join(root, "xdg", "config"),
    data: join(root, "xdg", "data"),
    cache: join(root, "xdg", "cache"),
    state: join(root, "xdg", "state"),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return dirs;
}

/**
 * opencode 1.18.33 starts a background `npm install @opencode-ai/plugin@1.18.33` (embedded arborist)
 * in the global config dir and every `.opencode/` dir, plugins configured or not, unless the dir
 * already has `node_modules/` AND a `package-lock.json` whose root package lists every dependency
 * named in `package.json` plus `@opencode-ai/plugin`. Without this it fetched from the registry
 * (~2 s per run here) and, offline, logs "background dependency install failed".
 */
export function preseedConfigDir(dir: string): void {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  const dependencies = { "@opencode-ai/plugin": PLUGIN_PACKAGE_VERSION };
  writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies }, null, 2));
  const lock = { name: "opencode-e2e", lockfileVersion: 3, requires: true, packages: { "": { dependencies } } };
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock, null, 2));
}

/** Turn off everything that would reach the network or read the developer's own setup. */
const DISABLE_FLAGS = [
  "OPENCODE_DISABLE_AUTOUPDATE",
  "OPENCODE_DISABLE_SHARE",
  "OPENCODE_DISABLE_MODELS_FETCH",
  "OPENCODE_DISABLE_LSP_DOWNLOAD",
  "OPENCODE_DISABLE_CLAUDE_CODE",
  "OPENCODE_DISABLE_EXTERNAL_SKILLS",
  "OPENCODE_DISABLE_DEFAULT_PLUGINS",
] as const;

/** Host variables a child still needs (PATH for the bash tool, locale for output encoding). */
const INHERITED = ["PATH", "LANG", "LC_ALL", "TERM", "TZ", "TMPDIR", "SHELL", "USER"] as const;

/**
 * A fresh environment rather than `process.env`: a developer's ANTHROPIC_API_KEY, OPENCODE_CONFIG or
 * proxy settings must not leak into the world. The npm registry points at a closed local port so an
 * install that slips past the pre-seeding fails at once instead of reaching the internet.
 */
export function isolatedEnv(dirs: WorldDirs, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  for (const flag of DISABLE_FLAGS) env[flag] = "1";
  return {
    ...env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_STATE_HOME: dirs.state,
    NO_PROXY: "127.0.0.1,localhost",
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_update_notifier: "false",
    GIT_CONFIG_NOSYSTEM: "1",
    ...extra,
  };
}
