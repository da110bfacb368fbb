import type { GatewayMessageCreateDispatchData } from "discord-api-types/v10";
import type { InboundMessage } from "../adapter.ts";
import { discordMediaRefs } from "./media.ts";

export interface BotIdentity {
  id: string;
  username?: string;
}

/**
 * What the gateway's MESSAGE_CREATE does not say about its channel: whether it is a thread (a
 * thread is a channel of its own; its messages carry the thread's id as `channel_id`) and, if so,
 * its parent. The adapter learns it from the gateway's channel dispatches, else with `GET /channels/{id}`.
 */
export interface ChannelInfo {
  threadParentId?: string | undefined;
  /** Group DMs are ignored by default (reference-agent §5.3). */
  isGroupDm?: boolean | undefined;
}

export interface TranslateOptions {
  /** `allowBots`: other bots' messages are ignored unless `true`, or `"mentions"` and they mention us. */
  allowBots: boolean | "mentions";
}

// Message types that carry a user's text: DEFAULT and REPLY. Joins, pins, boosts and the
// like are system messages; answering them would be noise.
const TEXT_MESSAGE_TYPES = new Set([0, 19]);

/**
 * A MESSAGE_CREATE dispatch as an `InboundMessage`; `undefined` for what we do not handle: our
 * own messages, other bots' (unless `allowBots`), system messages, group DMs, and messages with
 * neither text nor attachments (a guild message whose content the missing Message Content
 * intent hid). Keyed by the message id: a snowflake is unique across Discord, so a RESUME replaying an
 * event we already recorded is dropped by the inbox. Pure.
 */
export function translateMessage(
  data: GatewayMessageCreateDispatchData,
  bot: BotIdentity,
  accountId: string,
  channel: ChannelInfo | undefined,
  opts: TranslateOptions,
): InboundMessage | undefined {
  if (data.author.id === bot.id) return undefined;
  if (!TEXT_MESSAGE_TYPES.has(data.type)) return undefined;
  if (channel?.isGroupDm) return undefined;
  const mentionsBot = data.mentions.some((u) => u.id === bot.id);
  const fromBot = data.author.bot === true || data.webhook_id !== undefined;
  if (fromBot && !(opts.allowBots === true || (opts.allowBots === "mentions" && mentionsBot)))
    return undefined;
  const media = discordMediaRefs(data);
  if (data.content.trim() === "" && media.length === 0) return undefined;
  const guildId = data.guild_id;
  const threadParent = guildId ? channel?.threadParentId : undefined;
  return {
    channel: "discord",
    accountId,
    key: data.id,
    chatType: guildId ? "channel" : "direct",
    // A thread's messages are answered in the thread but belong to the parent channel's
    // settings (`guilds.<id>.channels.<parentId>`), so the chat is the parent.
    chatId: threadParent ?? data.channel_id,
    ...(threadParent ? { threadId: data.channel_id } : {}),
    ...(guildId ? { guildId } : {}),
    messageId: data.id,
    sender: {
      id: data.author.id,
      username: data.author.username,
      ...(data.author.global_name ? { firstName: data.author.global_name } : {}),
    },
    text: readableMentions(data),
    mentionsBot,
    repliesToBot: data.referenced_message?.author?.id === bot.id,
    receivedAt: Date.parse(data.timestamp),
    ...(media.length > 0 ? { media } : {}),
  };
}

/**
 * `<@id>` (and the legacy `<@!id>`) of the users the message mentions, as `@username`: the model
 * and `mentionPatterns` read names, not snowflakes. Unknown ids stay as written.
 */
function readableMentions(data: GatewayMessageCreateDispatchData): string {
  const names = new Map(data.mentions.map((u) => [u.id, u.username]));
  return data.content.replace(/<@!?(\d+)>/g, (whole, id: string) => {
    const name = names.get(id);
    return name ? `@${name}` : whole;
  });
}
