import { parseArgs } from "node:util";
import { defaultOpencodeBinary, patchOpencode } from "../patch/patch-opencode.ts";
import { loadPatches, PatchError } from "../patch/patches.ts";
import type { Command } from "./io.ts";

const USAGE = `usage: endless patch-opencode [--binary PATH] [--out PATH]

Writes a patched copy of an installed opencode 1.18.33 (linux-x64) that gives plugins the hooks of
patches/ (step usage and provider metadata, the session in messages.transform, the overflow decision,
a plugin-supplied compaction summary). The input is only read; every patch anchor must occur exactly
once, or nothing is written.

options:
  --binary PATH   the opencode executable to patch (default: the one npm installed, opencode-linux-x64/bin/opencode)
  --out PATH      where to write the patched executable (default: PATH-endless beside the input)
  -h, --help      this text`;

export const patchOpencodeCommand: Command = {
  summary: "write a patched opencode with the hooks Endless can use",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseArgs({
      args: [...argv],
      options: { binary: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
      strict: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    try {
      const result = patchOpencode({ binary: values.binary ?? defaultOpencodeBinary(), out: values.out, patches: loadPatches() });
      io.err(result.sites.map((s) => `  ${s.patch}: ${s.site} (${s.module})`).join("\n"));
      io.out(
        [
          `patched opencode ${result.version} (${result.patches.join(", ")}) -> ${result.out}`,
          "",
          "Run it instead of opencode, e.g.:",
          `  ${result.out} run "hello"`,
          `  OPENCODE_BIN=${result.out} npm test   # this project's tests against it`,
          "Endless detects the patches at start and logs which are active.",
        ].join("\n"),
      );
      return 0;
    } catch (error) {
      if (!(error instanceof PatchError)) throw error;
      io.err(`endless patch-opencode: ${error.message}\nNothing was written.`);
      return 1;
    }
  },
};
