import { parseArgs } from "node:util";
import { z } from "zod";
import { forgetSession } from "../archive/forget.ts";
import { defaultArchivePath, openArchive } from "../archive/open.ts";
import { type Command, openExistingArchive, UsageError } from "./io.ts";

const USAGE = `usage: endless forget --session ID [--archive FILE]

Removes everything Endless archived for one session (tool outputs, observations, search index entries,
frontier) and overwrites it on disk. opencode's own history of the session is not touched.

options:
  --session ID     the session to forget (as \`endless stats\` lists them)
  --archive FILE   the archive (default: $XDG_DATA_HOME/opencode-endless/archive.db, as the plugin uses)
  -h, --help       this text`;

const ForgetArgs = z.object({
  session: z.string({ error: "--session is required: which session to forget (see `endless stats`)" }).min(1),
  archive: z.string().min(1),
});

export const forgetCommand: Command = {
  summary: "remove everything archived for one session",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseArgs({
      args: [...argv],
      options: { session: { type: "string" }, archive: { type: "string" }, help: { type: "boolean", short: "h", default: false } },
      strict: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const parsed = ForgetArgs.safeParse({ session: values.session, archive: values.archive ?? defaultArchivePath() });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("; "));
    const db = openExistingArchive(parsed.data.archive, openArchive);
    const { toolCalls } = forgetSession(db, parsed.data.session);
    db.close();
    io.out(toolCalls === 0 ? `nothing archived for ${parsed.data.session}` : `forgot ${toolCalls} tool calls of ${parsed.data.session}`);
    return 0;
  },
};
