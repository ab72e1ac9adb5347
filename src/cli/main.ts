#!/usr/bin/env bun
import { benchCommand } from "./bench.ts";
import { type Command, type CommandIO, processIO, UsageError } from "./io.ts";
import { doctorCommand } from "./doctor.ts";
import { forgetCommand } from "./forget.ts";
import { optionsCommand } from "./options.ts";
import { reportCommand } from "./report.ts";
import { patchOpencodeCommand } from "./patch-opencode.ts";
import { statsCommand } from "./stats.ts";

const COMMANDS: Readonly<Record<string, Command>> = {
  bench: benchCommand,
  options: optionsCommand,
  stats: statsCommand,
  forget: forgetCommand,
  doctor: doctorCommand,
  report: reportCommand,
  "patch-opencode": patchOpencodeCommand,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return ["usage: endless <command> [options]", "", "commands:", ...lines, "", "Run `endless <command> --help` for a command's options."].join("\n");
}

/** Runs the CLI on `argv` (without the runtime and script) and returns the exit code. */
export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`endless: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(", ")}. Run \`endless --help\`.`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`endless ${name}: ${error.message}\nRun \`endless ${name} --help\` for its options.`);
      return 2;
    }
    io.err(`endless ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
