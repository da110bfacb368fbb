import type { GroupEntry } from "../../routing/access/group-policy.ts";
import type { AccountConfig, InboundMessage } from "../adapter.ts";

type PeerList = (string | number)[];

interface SlackChannelEntry {
  enabled?: boolean;
  allow?: boolean;
  requireMention?: boolean;
  users?: PeerList;
  allowFrom?: PeerList;
  groupPolicy?: GroupEntry["groupPolicy"];
}

interface SlackGroupView {
  channels?: Record<string, SlackChannelEntry>;
  requireMention?: boolean;
  groupAllowFrom?: PeerList;
  dm?: { groupEnabled?: boolean; groupChannels?: (string | number)[] };
}

/**
 * Slack's group settings in the shape the shared access check reads (`groups` keyed by chat id).
 * Channels: `channels.slack.channels.<channelId>.{allow, requireMention, users}` (reference-agent
 * §4.5, §5.4); listing a channel admits it, and its `users` (else `groupAllowFrom`) limit who may
 * trigger the bot there, so a listed channel without either is open to its members. Group DMs
 * (MPIMs) are served only with `dm.groupEnabled` (default false), limited to `dm.groupChannels`
 * when given. `undefined` leaves the decision to `groupPolicy` and the sender allowlists. Pure.
 */
export function slackGroupEntries(
  account: AccountConfig,
  msg: InboundMessage,
): Record<string, GroupEntry> | undefined {
  const cfg = account as SlackGroupView;
  if (msg.chatType === "group") return groupDmEntries(cfg);
  if (!cfg.channels) return undefined;
  const entries: Record<string, GroupEntry> = {};
  for (const [id, entry] of Object.entries(cfg.channels)) {
    const senders = entry.users ?? entry.allowFrom;
    entries[id] = {
      enabled: entry.enabled,
      allow: entry.allow,
      requireMention: entry.requireMention ?? cfg.requireMention,
      groupPolicy: entry.groupPolicy,
      allowFrom: senders ?? (cfg.groupAllowFrom ? undefined : ["*"]),
    };
  }
  return entries;
}

function groupDmEntries(cfg: SlackGroupView): Record<string, GroupEntry> {
  if (cfg.dm?.groupEnabled !== true) return {};
  const ids = cfg.dm.groupChannels?.map(String) ?? ["*"];
  // A group DM is a conversation the user chose to add the bot to: everyone in it may talk.
  return Object.fromEntries(ids.map((id) => [id, { allowFrom: ["*"] }]));
}
