import type { ChatType, ThreadSessionSuffix } from "../channels/adapter.ts";
import { mainSessionKey, normalizeAgentId } from "../sessions/session-key.ts";

export type DmScope = "main" | "per-peer" | "per-channel-peer" | "per-account-channel-peer";

export interface SessionRouteInput {
  agentId: string;
  channel: string;
  accountId: string;
  chatType: ChatType;
  /** The group/channel id, or for DMs the peer. */
  chatId: string;
  peerId: string;
  threadId?: string | undefined;
  /** The channel's word for a thread in keys (its `threadSessionSuffix`); absent means `thread`. */
  threadSuffix?: ThreadSessionSuffix | undefined;
  dmScope: DmScope;
  /** `session.identityLinks`: canonical name → provider-prefixed peer ids (`telegram:123`). */
  identityLinks?: Record<string, string[]> | undefined;
}

function linkedPeer(channel: string, peerId: string, links: Record<string, string[]> | undefined): string {
  const wanted = `${channel}:${peerId}`.toLowerCase();
  for (const [canonical, ids] of Object.entries(links ?? {}))
    if (ids.some((id) => id.trim().toLowerCase() === wanted)) return canonical;
  return peerId;
}

/**
 * The session a chat message belongs to (reference-gateway §5): DMs by `session.dmScope`, groups
 * and channels `agent:<id>:<channel>:<group|channel>:<chatId>`; a thread appends
 * `:thread:<id>`, a Telegram forum topic `:topic:<id>`.
 */
export function sessionKeyFor(input: SessionRouteInput): string {
  const agent = normalizeAgentId(input.agentId);
  const channel = input.channel.toLowerCase();
  if (input.chatType === "direct") {
    const peer = linkedPeer(channel, input.peerId, input.identityLinks).toLowerCase();
    switch (input.dmScope) {
      case "main":
        return mainSessionKey(agent);
      case "per-peer":
        return `agent:${agent}:direct:${peer}`;
      case "per-channel-peer":
        return `agent:${agent}:${channel}:direct:${peer}`;
      case "per-account-channel-peer":
        return `agent:${agent}:${channel}:${normalizeAgentId(input.accountId || "default")}:direct:${peer}`;
    }
  }
  const base = `agent:${agent}:${channel}:${input.chatType}:${input.chatId.toLowerCase()}`;
  // Keys are lowercase throughout (reference-gateway §5); binding peer ids are matched as written.
  return input.threadId
    ? `${base}${threadPeerSuffix(input.threadId, input.threadSuffix).toLowerCase()}`
    : base;
}

/**
 * `:thread:<id>` or `:topic:<id>`: the part a thread adds to its chat's session key, and to its
 * chat's peer id when bindings are matched (reference-gateway §5).
 */
export function threadPeerSuffix(threadId: string, suffix: ThreadSessionSuffix | undefined): string {
  return `:${suffix ?? "thread"}:${threadId}`;
}
