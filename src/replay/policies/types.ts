import type { PolicyConfig } from "../../config/schema.ts";
import type { LlmCache } from "../llm-cache.ts";
import type { ReplayCall } from "../requests.ts";

export const POLICY_NAMES = ["none", "opencode-prune", "anthropic-clear", "mask-last-5", "endless"] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** What a policy sees of one request: the same facts a client or server has when it sends it. */
export interface PolicyRequest {
  readonly sessionID: string;
  /** The user turn the request belongs to (counted from 0). */
  readonly turn: number;
  /** Model requests in this history so far, this one included (a compaction summary starts a new history). */
  readonly requests: number;
  /** Tokens of the request with every tool output raw. */
  readonly rawTokens: number;
  /** The completed tool calls visible in the request, oldest first. */
  readonly calls: readonly ReplayCall[];
}

/** What a policy sends in place of the raw history: by call id, for the calls it changes. */
export interface Renders {
  /** callID -> the text sent instead of that output. */
  readonly outputs: ReadonlyMap<string, string>;
  /** callID -> the text (JSON) sent instead of that call's input; absent: every input as it was. */
  readonly inputs?: ReadonlyMap<string, string>;
}

/** One policy's state for one session. */
export interface Policy {
  shape(request: PolicyRequest): Promise<Renders>;
}

export interface PolicyDefinition {
  readonly name: PolicyName;
  readonly summary: string;
  /** A fresh policy for one session. */
  create(options: { readonly config: PolicyConfig; readonly llm?: LlmCache }): Policy;
}
