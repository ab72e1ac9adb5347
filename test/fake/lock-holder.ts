/** A second process that takes the archive's write lock (BEGIN IMMEDIATE), says so, holds it `holdMs`, then commits a row. */
export function lockHolder(path: string, holdMs: number) {
  const script = `
    const { Database } = require("bun:sqlite");
    const db = new Database(process.argv[1]);
    db.run("PRAGMA busy_timeout = 5000");
    db.run("BEGIN IMMEDIATE");
    db.run("INSERT INTO tool_calls (session_id, call_id, tool, input, output, tokens, bytes, created_at) VALUES ('ses_other', 'toolu_other', 'bash', '{}', 'theirs', 1, 6, 0)");
    console.log("locked");
    await Bun.sleep(Number(process.argv[2]));
    db.run("COMMIT");
    db.close();
  `;
  const child = Bun.spawn([process.execPath, "-e", script, path, String(holdMs)], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  const locked = (async () => {
    const { value } = await reader.read();
    if (!new TextDecoder().decode(value).includes("locked")) throw new Error("the lock holder did not start");
  })();
  return { child, locked };
}

