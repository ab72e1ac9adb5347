import type { Plugin } from "@opencode-ai/plugin";
import { createEndlessHooks } from "../src/hooks/plugin.ts";

/** Endless Mode for OpenCode. The only export: opencode calls every export of the entry as a plugin. */
export const EndlessPlugin: Plugin = async (input, options) => createEndlessHooks(input, options);
