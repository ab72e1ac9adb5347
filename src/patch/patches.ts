/**
 * @module
 * The binary edits of `patches/<name>.json`: their schema, and applying them to an executable's
 * modules with every anchor checked to occur exactly once.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { BunExecutable, BunModule } from "./bun-executable.ts";
import { PATCH_MARKER, PATCH_NAMES } from "./names.ts";

const ASCII = /^[\x20-\x7e\n]*$/;

const Edit = z.object({
  /** Where the edit lands, by upstream function: for the reader, not the patcher. */
  site: z.string().min(1),
  /** Minified code of the pinned release that must occur exactly once among the JavaScript modules. */
  anchor: z.string().min(16).regex(ASCII, "anchors are ASCII"),
  replacement: z.string().min(1).regex(ASCII, "replacements are ASCII (the modules are latin1)"),
});

export const Patch = z.object({
  name: z.enum(PATCH_NAMES),
  /** The opencode release whose minified code the anchors were taken from. */
  opencode: z.string().regex(/^\d+\.\d+\.\d+$/),
  adds: z.string().min(1),
  whyNoHook: z.string().min(1),
  mirrors: z.string().min(1),
  edits: z.array(Edit).min(1),
});
export type Patch = z.infer<typeof Patch>;

/** An anchor missing, repeated, or other trouble applying a patch; nothing has been written. */
export class PatchError extends Error {
  override readonly name = "PatchError";
}

export const PATCHES_DIR = join(import.meta.dir, "..", "..", "patches");

/** Every `patches/*.json`, validated; a malformed file is an error naming the file and the field. */
export function loadPatches(dir: string = PATCHES_DIR): Patch[] {
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  return files.map((file) => {
    const parsed = Patch.safeParse(JSON.parse(readFileSync(join(dir, file), "utf8")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PatchError(`${join(dir, file)}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`);
    }
    if (`${parsed.data.name}.json` !== file) throw new PatchError(`${join(dir, file)}: its name field says "${parsed.data.name}"`);
    return parsed.data;
  });
}

const latin1 = new TextDecoder("latin1");
const toLatin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

function countOf(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

export interface AppliedPatches {
  /** New contents by module index. */
  readonly modules: ReadonlyMap<number, Uint8Array>;
  /** Module name of every edit, in order: for the report. */
  readonly sites: readonly { patch: string; module: string; site: string }[];
}

const isJs = (m: BunModule) => m.loader === 1 && m.name.endsWith(".js");

/**
 * Applies the patches to the executable's JavaScript modules and adds the marker naming them to the
 * entry module. Each anchor must occur exactly once across all modules, both in the original and at
 * the moment its edit is applied (so two edits can never claim the same code).
 */
export function applyPatches(exe: BunExecutable, patches: readonly Patch[]): AppliedPatches {
  const texts = new Map<number, string>();
  const js = exe.modules.filter(isJs);
  const textOf = (m: BunModule) => texts.get(m.index) ?? latin1.decode(m.contents);
  const entry = js.find((m) => m.name === "/$bunfs/root/src/index.js");
  if (!entry) throw new PatchError("no /$bunfs/root/src/index.js module: not an opencode build this patcher knows");
  if (textOf(entry).includes(PATCH_MARKER)) throw new PatchError("this executable is already patched (it carries the marker of opencode-endless patches); patch the stock binary instead");
  const sites: { patch: string; module: string; site: string }[] = [];
  for (const patch of patches) {
    for (const edit of patch.edits) {
      const hits = js.flatMap((m) => {
        const n = countOf(textOf(m), edit.anchor);
        return n > 0 ? [{ m, n }] : [];
      });
      const total = hits.reduce((sum, h) => sum + h.n, 0);
      if (total !== 1) {
        throw new PatchError(`patch ${patch.name} (${edit.site}): anchor found ${total} times, expected exactly once; this binary is not the opencode ${patch.opencode} the patch was written for`);
      }
      const module = hits[0]!.m;
      texts.set(module.index, textOf(module).replace(edit.anchor, () => edit.replacement));
      sites.push({ patch: patch.name, module: module.name, site: edit.site });
    }
  }
  const names = JSON.stringify(patches.map((p) => p.name));
  const [pragma, ...rest] = textOf(entry).split("\n");
  // After the `// @bun` pragma, which must stay the first line; imports are hoisted, so the marker
  // is set before any plugin can load.
  texts.set(entry.index, [pragma, `globalThis.${PATCH_MARKER}=Object.freeze(${names});`, ...rest].join("\n"));
  return { modules: new Map([...texts].map(([index, text]) => [index, toLatin1(text)])), sites };
}
