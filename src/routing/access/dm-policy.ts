import type { InboundSender } from "../../channels/adapter.ts";
import type { DmPolicy } from "../../config/schema/common.ts";
import { hasWildcard, isSenderAllowed } from "./allow-match.ts";

export type DmDecision =
  | { type: "allow" }
  /** Unknown sender under `pairing`: offer a code, do not process the message. */
  | { type: "pair" }
  | { type: "drop"; reason: string };

export interface DmAccessInput {
  policy: DmPolicy;
  /** Config `allowFrom` ∪ the approved store (reference-agent §4.1). */
  allowFrom: readonly (string | number)[];
  sender: InboundSender;
  prefixes: readonly string[];
}

/** The DM policy decision (reference-agent §4.1, ACC-1/2/7). Pure. */
export function decideDm(input: DmAccessInput): DmDecision {
  const allowed = isSenderAllowed(input.allowFrom, input.sender, input.prefixes);
  switch (input.policy) {
    case "disabled":
      return { type: "drop", reason: "dmPolicy is disabled" };
    case "open":
      // Config validation demands "*" with open (SEC-10); without it, open acts as an allowlist.
      return hasWildcard(input.allowFrom) || allowed
        ? { type: "allow" }
        : { type: "drop", reason: 'dmPolicy "open" without "*" in allowFrom' };
    case "allowlist":
      return allowed
        ? { type: "allow" }
        : { type: "drop", reason: "sender not in allowFrom (dmPolicy allowlist)" };
    case "pairing":
      return allowed ? { type: "allow" } : { type: "pair" };
  }
}
