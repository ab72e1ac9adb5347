import { anthropicClear, maskLast5, none, opencodePrune } from "./baselines.ts";
import { endless } from "./endless.ts";
import type { PolicyDefinition, PolicyName } from "./types.ts";

export { POLICY_NAMES, type Policy, type PolicyDefinition, type PolicyName, type PolicyRequest, type Renders } from "./types.ts";

export const POLICIES: Readonly<Record<PolicyName, PolicyDefinition>> = {
  none,
  "opencode-prune": opencodePrune,
  "anthropic-clear": anthropicClear,
  "mask-last-5": maskLast5,
  endless,
};
