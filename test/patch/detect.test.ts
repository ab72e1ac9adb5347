import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { activePatches, patchesInBinary } from "../../src/patch/detect.ts";
import { PATCH_MARKER } from "../../src/patch/names.ts";
import { tmpdir } from "../fake/tmp.ts";

test("the patches a binary carries are read from the patcher's marker, wherever it falls (across a read chunk too)", () => {
  using dir = tmpdir();
  const chunk = 8 * 1024 * 1024;
  const filler = Buffer.alloc(chunk - 5, 0x61);
  const statement = `globalThis.${PATCH_MARKER}=Object.freeze(["step-finish","overflow-decision"]);`;
  const straddling = join(dir.path, "straddling");
  writeFileSync(straddling, Buffer.concat([filler, Buffer.from(statement), Buffer.alloc(100, 0x62)]));
  expect(patchesInBinary(straddling)).toEqual(["step-finish", "overflow-decision"]);
  const stock = join(dir.path, "stock");
  writeFileSync(stock, Buffer.concat([filler, Buffer.from(PATCH_MARKER), Buffer.alloc(chunk, 0x62)]));
  expect(patchesInBinary(stock)).toEqual([]);
});

test("the active patches come from the global a patched opencode sets; none on stock", () => {
  expect(activePatches({})).toEqual([]);
  expect(activePatches({ [PATCH_MARKER]: ["step-finish", 3] })).toEqual(["step-finish"]);
});
