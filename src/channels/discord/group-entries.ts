import type { GroupEntry } from "../../routing/access/group-policy.ts";
import type { AccountConfig, InboundMessage } from "../adapter.ts";

type Ids = (string | number)[];

interface DiscordChannelEntry {
  enabled?: boolean;
  allow?: boolean;
  requireMention?: boolean;
  users?: Ids;
  roles?: Ids;
}

interface DiscordGuildEntry {
  requireMention?: boolean;
  users?: Ids;
  roles?: Ids;
  channels?: Record<string, DiscordChannelEntry>;
}

/**
 * Discord nests its group settings as `guilds.<guildId>` (guild-wide `requireMention`, `users`)
 * and `guilds.<guildId>.channels.<channelId>` (reference-agent §4.5, §5.3); the shared access
 * check reads a `groups`-shaped map keyed by chat id. This flattens the message's guild into one:
 *
 * - no `guilds` key: `undefined`, so the account's own keys decide, as on every channel;
 * - the guild (or `guilds."*"`) not listed: an empty map, so the guild is not served;
 * - a guild without `channels`: `"*"` with the guild's settings, so all its channels are served;
 * - a guild with `channels`: one entry per listed channel (only those are served), each with the
 *   guild's settings under its own; `allow: false` or `enabled: false` turns one off.
 *
 * `requireMention` defaults to true in guilds. The senders who may trigger the bot are the
 * channel's `users`, else the guild's, else the account's `groupAllowFrom`, else anyone in the
 * channel: a listed guild is the allowlist, and a DM allowlist (`allowFrom`) does not reach into
 * guilds. Role allowlists (`roles`) are not matched yet (the shared check knows senders, not their
 * roles), so a level that sets `roles` admits only its `users`: closed rather than open to all.
 * Pure, no I/O.
 */
export function discordGroupEntries(
  account: AccountConfig,
  msg: InboundMessage,
): Record<string, GroupEntry> | undefined {
  const guilds = account["guilds"] as Record<string, DiscordGuildEntry> | undefined;
  if (!guilds || typeof guilds !== "object") return undefined;
  const guild = (msg.guildId ? guilds[msg.guildId] : undefined) ?? guilds["*"];
  if (!guild) return {};
  const groupAllowFrom = account["groupAllowFrom"] as Ids | undefined;
  const senders = (level: { users?: Ids; roles?: Ids }, fallback: Ids): Ids =>
    level.users ?? (level.roles && level.roles.length > 0 ? [] : fallback);
  const base: GroupEntry = {
    requireMention: guild.requireMention ?? true,
    allowFrom: senders(guild, groupAllowFrom ?? ["*"]),
  };
  const channels = guild.channels;
  if (!channels || Object.keys(channels).length === 0) return { "*": base };
  const entries: Record<string, GroupEntry> = {};
  for (const [id, ch] of Object.entries(channels)) {
    entries[id] = {
      requireMention: ch.requireMention ?? base.requireMention,
      allowFrom: senders(ch, base.allowFrom ?? []),
      ...(ch.allow !== undefined ? { allow: ch.allow } : {}),
      ...(ch.enabled !== undefined ? { enabled: ch.enabled } : {}),
    };
  }
  return entries;
}
