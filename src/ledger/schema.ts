import { z } from "zod";

/**
 * The session ledger: what a session did, kept as structured state beside the archive and rendered as the
 * digest that stands in for folded turns. Pure data (JSON), validated when read back from the archive.
 */
const LineRange = z.tuple([z.number().int().positive(), z.number().int().positive()]);

const FileEntry = z.object({
  path: z.string(),
  /** Line ranges read, merged and sorted; empty with `wholeReads` > 0 when a read named no range. */
  ranges: z.array(LineRange),
  reads: z.number().int().nonnegative(),
  writes: z.number().int().nonnegative(),
  edits: z.number().int().nonnegative(),
  /** The last call that read, wrote or edited the file. */
  lastCall: z.string(),
  /** The last call that wrote or edited it (absent: only read). */
  lastChange: z.string().optional(),
});

const CommandEntry = z.object({
  command: z.string(),
  runs: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  /** Exit code of the last run (null: unknown, the output carried none). */
  lastExit: z.number().int().nullable(),
  lastCall: z.string(),
});

const ErrorEntry = z.object({
  callID: z.string(),
  tool: z.string(),
  /** The command or file the failing call was about. */
  target: z.string(),
  /** The first error line of the output (bounded). */
  text: z.string(),
  /** Files the error names that the session touched or can touch (paths found in the error lines). */
  files: z.array(z.string()),
  /** How a later call resolved it: the same command passing, a named file changed, the same call succeeding. */
  resolvedBy: z.object({ callID: z.string(), how: z.enum(["passed", "edited", "retried"]) }).optional(),
});

const Todo = z.object({ content: z.string(), status: z.string(), priority: z.string().optional() });

const CallLine = z.object({
  id: z.string(),
  tool: z.string(),
  target: z.string(),
  outcome: z.string(),
});

const UserRequest = z.object({ id: z.string(), text: z.string() });

export const Ledger = z.object({
  /** Each user request, oldest first: the first one is the session's goal. */
  requests: z.array(UserRequest),
  files: z.array(FileEntry),
  commands: z.array(CommandEntry),
  errors: z.array(ErrorEntry),
  todos: z.array(Todo),
  /** One line per tool call, oldest first. */
  calls: z.array(CallLine),
});

export type Ledger = z.infer<typeof Ledger>;
export type FileEntry = z.infer<typeof FileEntry>;
export type CommandEntry = z.infer<typeof CommandEntry>;
export type ErrorEntry = z.infer<typeof ErrorEntry>;
export type CallLine = z.infer<typeof CallLine>;
export type Todo = z.infer<typeof Todo>;

export const emptyLedger = (): Ledger => ({ requests: [], files: [], commands: [], errors: [], todos: [], calls: [] });
