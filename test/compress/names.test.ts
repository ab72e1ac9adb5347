import { describe, expect, test } from "bun:test";
import { namesLeftOut } from "../../src/compress/names.ts";

describe("namesLeftOut", () => {
  const text = [
    "import { readFileSync } from 'node:fs';",
    "const config = loadConfig('src/config/app.json');",
    "config.retryLimit = MAX_RETRIES; // see v2.10.1 and commit 3fa9c2e",
    "readFileSync(config.path); readFileSync(other);",
    "the plain words here are not names",
  ].join("\n");

  test("finds identifiers, dotted names, paths, versions and hex ids, in the order they appear", () => {
    const { names, more } = namesLeftOut(text, "", 1000);
    expect(names).toEqual(["readFileSync", "loadConfig", "src/config/app.json", "config.retryLimit", "MAX_RETRIES", "v2.10.1", "3fa9c2e", "config.path"]);
    expect(more).toBe(0);
  });

  test("leaves out names the observation or the input already shows", () => {
    const { names } = namesLeftOut(text, "function loadConfig(path)\nsrc/config/app.json", 1000);
    expect(names).not.toContain("loadConfig");
    expect(names).not.toContain("src/config/app.json");
    expect(names).toContain("readFileSync");
  });

  test("keeps within the budget, repeated names first, and counts what did not fit", () => {
    const { names, more } = namesLeftOut(text, "", 16);
    expect(names).toEqual(["readFileSync"]); // used three times
    expect(more).toBeGreaterThan(0);
  });

  test("skips generated strings: long digit runs, base64-like tokens, pseudo-version hashes", () => {
    const noisy = "h1:mL1N/T3taQHkDXs73rZJwtUhF3w3ftmwwsq0BUmARs4= v0.0.0-20180724234803-3673e40ba225 t9HGtf8HONx5eT2rtn7q6eTqICYqUVnKs3thJo3Qplg fetchUser";
    expect(namesLeftOut(noisy, "", 1000).names).toEqual(["fetchUser"]);
  });

  test("is deterministic", () => {
    expect(namesLeftOut(text, "", 40)).toEqual(namesLeftOut(text, "", 40));
  });
});
