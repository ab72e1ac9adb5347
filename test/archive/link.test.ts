import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createArchiveLink } from "../../src/archive/link.ts";
import { openArchive } from "../../src/archive/open.ts";
import { loadRecallBlocks, saveRecallBlock } from "../../src/archive/recall-blocks.ts";
import { tmpdir } from "../fake/tmp.ts";

test("relevant-recall blocks decided while the file is out are moved into it when it takes writes again", () => {
  using dir = tmpdir();
  const folder = join(dir.path, "data");
  const path = join(folder, "archive.db");
  let now = 0;
  const notices: string[] = [];
  const link = createArchiveLink({ path, start: { kind: "unavailable", reason: "no folder yet" }, notice: (_k, _l, m) => notices.push(m), log: () => {}, retryMs: 1000, now: () => now });
  link.write((db) => saveRecallBlock(db, "ses_l", "msg_1", "[endless: relevant earlier outputs] toolu_1"));
  link.write((db) => saveRecallBlock(db, "ses_l", "msg_2", ""));
  expect(link.where()).toBe("memory");
  expect(link.read((db) => loadRecallBlocks(db, "ses_l").get("msg_1"))).toBe("[endless: relevant earlier outputs] toolu_1");

  mkdirSync(folder);
  now += 1001;
  link.write((db) => saveRecallBlock(db, "ses_l", "msg_3", "third"));
  expect(link.where()).toBe("file");
  link.close();
  const db = openArchive(path);
  expect([...loadRecallBlocks(db, "ses_l")].sort()).toEqual([
    ["msg_1", "[endless: relevant earlier outputs] toolu_1"],
    ["msg_2", ""],
    ["msg_3", "third"],
  ]);
  db.close();
  expect(notices).toHaveLength(1);
});
