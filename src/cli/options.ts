import { optionTable } from "../config/describe.ts";
import type { Command } from "./io.ts";

export const optionsCommand: Command = {
  summary: "print the plugin's options with their defaults (a Markdown table, from the option schema)",
  usage: "usage: endless options",
  async run(args, io) {
    if (args.includes("--help") || args.includes("-h")) {
      io.out(this.usage);
      return 0;
    }
    io.out(optionTable());
    return 0;
  },
};
