import { expect, test } from "bun:test";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/archive/migrations.ts";
import { openArchive } from "../../src/archive/open.ts";
import { tmpdir } from "../fake/tmp.ts";

const OPENER = `
  const { openArchive } = await import(${JSON.stringify(new URL("../../src/archive/open.ts", import.meta.url).href)});
  openArchive(process.argv[1]).close();
`;

test("several processes opening a fresh archive at the same moment all succeed, and it is migrated once", async () => {
  for (let round = 0; round < 5; round++) {
    using dir = tmpdir();
    const path = join(dir.path, "shared.db");
    const children = Array.from({ length: 4 }, () =>
      Bun.spawn([process.execPath, "-e", OPENER, path], { stdout: "ignore", stderr: "pipe" }),
    );
    const results = await Promise.all(children.map(async (c) => ({ code: await c.exited, err: await new Response(c.stderr).text() })));
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0 });
    const db = openArchive(path);
    expect(db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version).toBe(MIGRATIONS.length);
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'tool_calls'").get()?.n).toBe(1);
    db.close();
  }
}, 60_000);
