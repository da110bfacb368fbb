import { defaultAgentId } from "../agents/agent-config.ts";
import type { ChatType } from "../channels/adapter.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import { normalizeAgentId } from "../sessions/session-key.ts";

/** What routing knows about an inbound message (reference-gateway §3 `bindings[].match`). */
export interface RouteFacts {
  channel: string;
  accountId: string;
  /** The chat the message came from: the sender for DMs, the group or channel otherwise. */
  peer?: { kind: ChatType; id: string } | undefined;
  /** For a thread or forum topic: the chat it belongs to, matched when the thread itself is not bound. */
  parentPeer?: { kind: ChatType; id: string } | undefined;
  guildId?: string | undefined;
  teamId?: string | undefined;
  /** Discord member roles, for `guildId` + `roles` bindings. */
  memberRoleIds?: readonly string[] | undefined;
}

/** Which rule chose the agent; the tiers in the order they are tried. */
export type MatchedBy =
  | "binding.peer"
  | "binding.peer.parent"
  | "binding.peer.wildcard"
  | "binding.guild+roles"
  | "binding.guild"
  | "binding.team"
  | "binding.account"
  | "binding.channel"
  | "default";

export interface AgentRoute {
  agentId: string;
  matchedBy: MatchedBy;
}

type Binding = NonNullable<OpenClawConfig["bindings"]>[number];

interface Rule {
  agentId: string;
  /** `*` (any account), or a normalized account id; a missing one means `default`. */
  account: string;
  peer: { kind: ChatType; id: string } | "none" | "invalid";
  guildId: string | undefined;
  teamId: string | undefined;
  roles: string[] | undefined;
}

/** Account ids normalize like agent ids, with `default` as the fallback (reference-gateway §5). */
export function normalizeAccountId(id: string | undefined): string {
  const trimmed = (id ?? "").trim();
  return trimmed ? normalizeAgentId(trimmed) : "default";
}

/** `dm` is the docs' spelling of `direct` (reference-gateway §5). */
function chatKind(kind: string): ChatType | undefined {
  const k = kind.trim().toLowerCase();
  if (k === "dm" || k === "direct") return "direct";
  return k === "group" || k === "channel" ? k : undefined;
}

function idText(value: string | number | undefined): string {
  return value === undefined ? "" : String(value).trim();
}

function ruleOf(b: Binding): Rule {
  const m = b.match;
  const rawAccount = (m.accountId ?? "").trim();
  let peer: Rule["peer"] = "none";
  if (m.peer) {
    const kind = chatKind(m.peer.kind);
    const id = idText(m.peer.id);
    peer = kind && id ? { kind, id } : "invalid";
  }
  return {
    agentId: b.agentId,
    account: rawAccount === "*" ? "*" : normalizeAccountId(rawAccount),
    peer,
    guildId: idText(m.guildId) || undefined,
    teamId: idText(m.teamId) || undefined,
    roles: m.roles && m.roles.length > 0 ? m.roles : undefined,
  };
}

/** A Slack or Discord "group" and "channel" are the same thing seen from two platforms. */
function kindsMatch(rule: ChatType, actual: ChatType): boolean {
  return rule === actual || (rule !== "direct" && actual !== "direct");
}

function peerMatches(rule: Rule, peer: RouteFacts["peer"]): boolean {
  if (rule.peer === "invalid") return false;
  if (rule.peer === "none") return true;
  if (!peer || !kindsMatch(rule.peer.kind, peer.kind)) return false;
  return rule.peer.id === "*" || rule.peer.id === peer.id;
}

/** The guild, team and role constraints a rule carries must all hold. */
function scopeMatches(rule: Rule, facts: RouteFacts): boolean {
  if (rule.guildId && rule.guildId !== idText(facts.guildId)) return false;
  if (rule.teamId && rule.teamId !== idText(facts.teamId)) return false;
  return !rule.roles || rule.roles.some((r) => facts.memberRoleIds?.includes(r));
}

type Tier = {
  matchedBy: MatchedBy;
  peer: RouteFacts["peer"];
  /** Which rules belong to this tier (each rule sits in exactly one). */
  holds: (r: Rule) => boolean;
};

function isPeerRule(r: Rule): r is Rule & { peer: { kind: ChatType; id: string } } {
  return typeof r.peer === "object";
}

function tiersFor(facts: RouteFacts): Tier[] {
  const named = (r: Rule): boolean => isPeerRule(r) && r.peer.id !== "*";
  const noPeer = (r: Rule): boolean => r.peer === "none";
  return [
    { matchedBy: "binding.peer", peer: facts.peer, holds: named },
    { matchedBy: "binding.peer.parent", peer: facts.parentPeer, holds: named },
    { matchedBy: "binding.peer.wildcard", peer: facts.peer, holds: (r) => isPeerRule(r) && !named(r) },
    {
      matchedBy: "binding.guild+roles",
      peer: facts.peer,
      holds: (r) => noPeer(r) && !!r.guildId && !!r.roles,
    },
    { matchedBy: "binding.guild", peer: facts.peer, holds: (r) => noPeer(r) && !!r.guildId && !r.roles },
    { matchedBy: "binding.team", peer: facts.peer, holds: (r) => noPeer(r) && !r.guildId && !!r.teamId },
    {
      matchedBy: "binding.account",
      peer: facts.peer,
      holds: (r) => noPeer(r) && !r.guildId && !r.teamId && r.account !== "*",
    },
    {
      matchedBy: "binding.channel",
      peer: facts.peer,
      holds: (r) => noPeer(r) && !r.guildId && !r.teamId && r.account === "*",
    },
  ];
}

/**
 * A binding's agent, when it names one the config has; an unknown id (a typo, a deleted agent)
 * goes to the default agent instead of inventing a new one (as 2.26 `pickFirstExistingAgentId`).
 */
function existingAgentId(config: OpenClawConfig, agentId: string): string {
  const list = config.agents?.list ?? [];
  const id = normalizeAgentId(agentId);
  if (list.length === 0) return id;
  return list.some((a) => normalizeAgentId(a.id) === id) ? id : defaultAgentId(config);
}

/**
 * Which agent answers a message (reference-gateway §3 `bindings[]`, MA-2/MA-3). Only bindings of
 * the message's channel and account take part: a binding without `accountId` covers the default
 * account only, `"*"` every account. They are then tried tier by tier: the peer itself, a
 * thread's parent chat, a peer wildcard (`id: "*"`), guild with roles, guild, team, the exact
 * account, the whole channel; the first binding in config order wins within a tier. No match
 * means the default agent. Pure: no I/O.
 */
export function resolveAgentRoute(config: OpenClawConfig, facts: RouteFacts): AgentRoute {
  const channel = facts.channel.trim().toLowerCase();
  const account = normalizeAccountId(facts.accountId);
  const rules = (config.bindings ?? [])
    .filter((b) => b.type !== "acp" && b.match.channel.trim().toLowerCase() === channel)
    .map(ruleOf)
    .filter((r) => r.account === "*" || r.account === account);
  for (const tier of tiersFor(facts)) {
    if (tier.matchedBy.startsWith("binding.peer") && !tier.peer) continue;
    const hit = rules.find((r) => tier.holds(r) && peerMatches(r, tier.peer) && scopeMatches(r, facts));
    if (hit) return { agentId: existingAgentId(config, hit.agentId), matchedBy: tier.matchedBy };
  }
  return { agentId: defaultAgentId(config), matchedBy: "default" };
}
