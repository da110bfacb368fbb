import type { InboundSender } from "../../channels/adapter.ts";
import type { GroupPolicy } from "../../config/schema/common.ts";
import { isSenderAllowed } from "./allow-match.ts";

/** The per-group keys the decision reads (`channels.<ch>.groups.<id>`, reference-agent §4.5). */
export interface GroupEntry {
  enabled?: boolean | undefined;
  allow?: boolean | undefined;
  requireMention?: boolean | undefined;
  allowFrom?: (string | number)[] | undefined;
  groupPolicy?: GroupPolicy | undefined;
}

export interface GroupAccessInput {
  policy: GroupPolicy;
  /** The `groups` map: when present its keys are the group allowlist, `*` matching any. */
  groups: Record<string, GroupEntry> | undefined;
  groupAllowFrom: readonly (string | number)[] | undefined;
  /** Explicit config `allowFrom`: the fallback for `groupAllowFrom`. */
  allowFrom: readonly (string | number)[] | undefined;
  chatId: string;
  sender: InboundSender;
  prefixes: readonly string[];
}

export type GroupDecision = { type: "allow"; requireMention: boolean } | { type: "drop"; reason: string };

/**
 * Group access in the documented order (reference-agent §4.5): `groupPolicy`, then the group
 * allowlist (`groups` keys), then the sender allowlist (`groupAllowFrom`, falling back to
 * `allowFrom`). Mention gating is the caller's, with the `requireMention` returned here. Pure.
 */
export function decideGroup(input: GroupAccessInput): GroupDecision {
  const own = input.groups?.[input.chatId];
  const wildcard = input.groups?.["*"];
  const policy = own?.groupPolicy ?? input.policy;
  if (policy === "disabled") return { type: "drop", reason: "groupPolicy is disabled" };
  if (input.groups && !own && !wildcard) return { type: "drop", reason: "group not in channels groups" };
  if (own?.enabled === false || own?.allow === false)
    return { type: "drop", reason: "group disabled in config" };
  if (policy === "allowlist") {
    const senders = own?.allowFrom ?? wildcard?.allowFrom ?? input.groupAllowFrom ?? input.allowFrom ?? [];
    if (!isSenderAllowed(senders, input.sender, input.prefixes))
      return { type: "drop", reason: "sender not in groupAllowFrom (groupPolicy allowlist)" };
  }
  const requireMention = own?.requireMention ?? wildcard?.requireMention ?? true;
  return { type: "allow", requireMention };
}

/** `mentionPatterns` are case-insensitive regexes; an invalid one never matches (and is reported). */
export function matchesMentionPattern(
  text: string,
  patterns: readonly string[],
  onInvalid: (pattern: string, err: unknown) => void,
): boolean {
  return patterns.some((p) => {
    try {
      return new RegExp(p, "i").test(text);
    } catch (err) {
      onInvalid(p, err);
      return false;
    }
  });
}
