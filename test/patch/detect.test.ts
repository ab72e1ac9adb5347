import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { activePatches, isPatchedBinary, PATCH_MARKER } from "../../src/patch/detect.ts";
import { tmpdir } from "../fake/tmp.ts";

test("a binary holding the patch marker is patched, wherever the marker falls (across a read chunk too)", () => {
  using dir = tmpdir();
  const chunk = 8 * 1024 * 1024;
  const filler = Buffer.alloc(chunk - 5, 0x61);
  const straddling = join(dir.path, "straddling");
  writeFileSync(straddling, Buffer.concat([filler, Buffer.from(PATCH_MARKER), Buffer.alloc(100, 0x62)]));
  expect(isPatchedBinary(straddling)).toBe(true);
  const stock = join(dir.path, "stock");
  writeFileSync(stock, Buffer.concat([filler, Buffer.from(PATCH_MARKER.slice(0, -1)), Buffer.alloc(chunk, 0x62)]));
  expect(isPatchedBinary(stock)).toBe(false);
});

test("the active patches come from the global a patched opencode sets; none on stock", () => {
  expect(activePatches({})).toEqual([]);
  expect(activePatches({ [PATCH_MARKER]: ["step-finish", 3] })).toEqual(["step-finish"]);
});
