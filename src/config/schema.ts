import { z } from "zod";
import { CompressionOptions } from "./compression.ts";
import { ContextManagementOptions } from "./context-management.ts";

/**
 * The plugin options, as given in opencode.json: `"plugin": [["opencode-endless", { ...options }]]`.
 * This schema is the single source of truth for types, defaults and the README's option table.
 */
/** The name of the tool the plugin registers to bring archived originals back. */
export const RECALL_TOOL = "recall";

const ToolOverride = z
  .object({
    compress: z.boolean().optional().describe("false keeps this tool's outputs raw, like excludeTools"),
    minTokens: z.number().int().nonnegative().optional().describe("overrides minTokens for this tool"),
  })
  .strict();

export const policyFields = {
  keepLast: z
    .number()
    .int()
    .nonnegative()
    .default(1)
    .describe("the newest N compressible tool outputs are always sent raw (outputs the model has not read yet are too)"),
  highWaterTokens: z
    .number()
    .int()
    .positive()
    .default(8_000)
    .describe("a batch starts when raw tool-output tokens (plus bulky input tokens, see compressInputs) older than the newest keepLast exceed this"),
  lowWaterTokens: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("a batch compresses oldest-first until at most this many of those raw tokens remain"),
  minTokens: z
    .number()
    .int()
    .nonnegative()
    .default(150)
    .describe("an output smaller than this is never compressed, nor are a call's bulky input fields that total less"),
  excludeTools: z
    .array(z.string().min(1))
    .default([RECALL_TOOL, "todowrite", "skill"])
    .describe("tools whose calls (outputs and inputs) are never compressed"),
  tools: z.record(z.string(), ToolOverride).default({}).describe("per-tool overrides: { compress, minTokens }"),
  firstSightChars: z
    .number()
    .int()
    .nonnegative()
    .default(32_000)
    .describe("an output longer than this is sent, the first time too, as its first lines up to this many characters plus its observation; recall pages the rest (0: whole the first time)"),
  compressInputs: z
    .boolean()
    .default(true)
    .describe("batches also replace the bulky input fields of old calls (write content, edit strings, patches) with a stand-in that recall restores"),
};

const PolicyObject = z.object(policyFields).strict();

/** What Endless decides about opencode's compaction; each setting needs its patch (`endless patch-opencode`). */
const CompactionOptions = z
  .object({
    overflow: z
      .enum(["opencode", "veto"])
      .default("opencode")
      .describe("with the overflow-decision patch: opencode decides when a session overflows, or veto: never compact on overflow (Endless's compression and the provider's clearing keep the context small)"),
    summary: z
      .enum(["endless", "llm"])
      .default("endless")
      .describe("with the compaction-result patch: endless writes the compaction summary from its archive with no model call, or llm: opencode's summariser does"),
  })
  .strict();
export type CompactionOptions = z.infer<typeof CompactionOptions>;
const ratio = () => z.number().gt(0).lt(1);

/** Folding: the tier after observations, sized from the model's usable window (see README 'Endless sessions'). */
export const FoldOptions = z
  .object({
    enabled: z.boolean().default(true).describe("fold the oldest whole messages into one ledger digest when a request nears the usable window"),
    highRatio: ratio().default(0.7).describe("a fold happens when a request passes this share of the room the usable window leaves above the system prompt, tool definitions and first message"),
    lowRatio: ratio().default(0.45).describe("a fold takes out the oldest messages until the request, digest included, is at most this share of that room"),
    digestRatio: ratio().default(0.08).describe("the digest's token budget as a share of the usable window (capped by digestMaxTokens)"),
    digestMaxTokens: z.number().int().min(300).default(4_000).describe("the digest's token budget never exceeds this"),
    ceilingRatio: ratio()
      .default(0.85)
      .describe("an output the model has not read that would push a request past this share of the usable window is sent as its observation (cut if need be) at once"),
    keepNewest: z.number().int().min(1).default(2).describe("the newest N messages are never folded"),
  })
  .strict()
  .refine((o) => o.lowRatio < o.highRatio, {
    message: "must be below highRatio",
    path: ["lowRatio"],
  });
export type FoldOptions = z.infer<typeof FoldOptions>;
export type PolicyConfig = z.infer<typeof PolicyObject>;

/** Relevant recall: a memory block of matching earlier outputs added to a new user message (see README 'Relevant recall'). */
export const RelevantRecallOptions = z
  .object({
    enabled: z.boolean().default(false).describe("on a new user message, add a short block of this session's earlier outputs that match it to that message"),
    maxTokens: z.number().int().min(50).default(400).describe("the block's token cap"),
    maxHits: z.number().int().min(1).max(10).default(3).describe("at most this many outputs in the block"),
  })
  .strict();
export type RelevantRecallOptions = z.infer<typeof RelevantRecallOptions>;

export const EndlessOptions = z
  .object({
    enabled: z.boolean().default(true).describe("false makes the plugin a pass-through"),
    archivePath: z
      .string()
      .min(1)
      .optional()
      .describe("SQLite archive file; default $XDG_DATA_HOME/opencode-endless/archive.db"),
    ...policyFields,
    compaction: CompactionOptions.prefault({}).describe("opencode's compaction, on a patched opencode (see 'Patched opencode'); stock opencode ignores it"),
    fold: FoldOptions.prefault({}).describe("folding into the session ledger near the window (see 'Endless sessions')"),
    relevantRecall: RelevantRecallOptions.prefault({}).describe("a memory block of matching earlier outputs on each new user message, off by default (see 'Relevant recall')"),
    redact: z
      .boolean()
      .default(false)
      .describe("replace secrets (API keys, tokens, private keys, secret .env lines) in observations with [redacted ...]; the archive and recall keep the original"),
    contextManagement: ContextManagementOptions.prefault({}).describe(
      "Anthropic server-side context management, per provider and model (see 'Provider-native context management')",
    ),
    compression: CompressionOptions.prefault({}).describe(
      "LLM observations written in the background by a compression model per provider (see 'LLM observations'); off until models is set",
    ),
  })
  .strict()
  .refine((o) => o.lowWaterTokens < o.highWaterTokens, {
    message: "must be below highWaterTokens",
    path: ["lowWaterTokens"],
  });

export type EndlessOptions = z.infer<typeof EndlessOptions>;

export function defaultPolicyConfig(): PolicyConfig {
  return PolicyObject.parse({});
}

export function policyOf(options: EndlessOptions): PolicyConfig {
  const { keepLast, highWaterTokens, lowWaterTokens, minTokens, excludeTools, tools, firstSightChars, compressInputs } = options;
  return { keepLast, highWaterTokens, lowWaterTokens, minTokens, excludeTools, tools, firstSightChars, compressInputs };
}
