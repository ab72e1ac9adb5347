import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLedgerStore, loadFold, loadLedger, saveFold } from "../../src/archive/ledger.ts";
import { forgetSession } from "../../src/archive/forget.ts";
import { openArchive } from "../../src/archive/open.ts";
import { tmpdir } from "../fake/tmp.ts";

describe("ledger and fold state in the archive", () => {
  test("recorded in memory, written on persist, read back equal by a new store", () => {
    using dir = tmpdir();
    const path = join(dir.path, "a.db");
    const db = openArchive(path);
    const store = createLedgerStore(db);
    store.recordRequest("s1", "u1", "Fix it");
    store.recordCall("s1", { callID: "c1", tool: "bash", input: { command: "make" }, output: "error: x", exit: 2 });
    store.recordCall("s1", { callID: "c1", tool: "bash", input: { command: "make" }, output: "error: x", exit: 2 });
    expect(loadLedger(db, "s1").calls).toHaveLength(0);
    store.persist();
    db.close();
    const again = openArchive(path);
    const reread = createLedgerStore(again);
    expect(reread.get("s1")).toEqual(store.get("s1"));
    expect(reread.get("s1").calls.map((c) => c.id)).toEqual(["c1"]);
    expect(reread.has("s1", "c1")).toBe(true);
    again.close();
  });

  test("a row in a shape this version does not read starts the ledger over instead of failing", () => {
    const db = openArchive(":memory:");
    db.query("INSERT INTO ledgers (session_id, state, calls, updated_at) VALUES ('s', '{\"requests\":7}', 0, 0)").run();
    expect(loadLedger(db, "s")).toEqual({ requests: [], files: [], commands: [], errors: [], todos: [], calls: [] });
  });

  test("fold state round-trips; forget removes ledger and fold state with the session", () => {
    const db = openArchive(":memory:");
    const record = { state: { anchor: "m0", through: "m9", folds: 3, digest: "D", digestTokens: 1 }, usable: 27_904, overhead: 7_400 };
    saveFold(db, "s", record);
    expect(loadFold(db, "s")).toEqual(record);
    saveFold(db, "t", { state: undefined, usable: 1000, overhead: undefined });
    expect(loadFold(db, "t")).toEqual({ state: undefined, usable: 1000, overhead: undefined });
    const store = createLedgerStore(db);
    store.recordRequest("s", "u", "goal");
    store.persist();
    forgetSession(db, "s");
    expect(loadFold(db, "s")).toEqual({ state: undefined, usable: undefined, overhead: undefined });
    expect(loadLedger(db, "s").requests).toEqual([]);
  });
});
