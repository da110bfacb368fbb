import { z } from "zod";
import type { ChatType, InboundMessage } from "../adapter.ts";
import { SlackFile, slackMediaRefs } from "./media.ts";

/** Who the bot is, from `auth.test`: its user id is what `<@U…>` mentions name. */
export interface SlackBotIdentity {
  userId: string;
  /** The bot user's name: its own mention reads `@name` to the model. */
  name?: string | undefined;
  botId?: string | undefined;
  teamId?: string | undefined;
}

/** The keys of a `message` / `app_mention` event we read (docs.slack.dev, Events API). */
const SlackMessageEvent = z.object({
  type: z.enum(["message", "app_mention"]),
  subtype: z.string().optional(),
  channel: z.string(),
  channel_type: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  text: z.string().optional(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  parent_user_id: z.string().optional(),
  team: z.string().optional(),
  files: z.array(SlackFile).optional(),
});

/** The `payload` of an `events_api` envelope (an Events API `event_callback`). */
const EventCallback = z.object({
  type: z.literal("event_callback").optional(),
  team_id: z.string().optional(),
  event_id: z.string().optional(),
  event: z.looseObject({ type: z.string() }),
});

/** Subtypes that are still a person writing: a thread reply shown in the channel, a message with a file. */
const USER_SUBTYPES = new Set(["thread_broadcast", "file_share", "me_message"]);

export interface TranslateOptions {
  /** `allowBots`: messages of other bots are handled too (never the bot's own). */
  allowBots?: boolean;
}

/**
 * Slack's `channel_type`: `im` is a DM, `mpim` a group DM, `channel`/`group` a public/private
 * channel. `app_mention` carries none, so the id's first letter decides (D… is a DM).
 */
function chatTypeOf(channelType: string | undefined, channel: string): ChatType {
  switch (channelType) {
    case "im":
      return "direct";
    case "mpim":
      return "group";
    case "channel":
    case "group":
      return "channel";
    default:
      return channel.startsWith("D") ? "direct" : "channel";
  }
}

/**
 * Slack escapes `&`, `<` and `>` in message text; the model reads them plain. The bot's own mention
 * `<@U…>` reads `@name`; other mentions stay as Slack tokens, which a reply may use to mention back.
 */
function plainText(text: string, mention: RegExp, bot: SlackBotIdentity): string {
  const named = bot.name ? text.replace(new RegExp(mention.source, "g"), `@${bot.name}`) : text;
  return named.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function tsToMs(ts: string): number {
  const seconds = Number.parseFloat(ts);
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : Date.now();
}

/**
 * The `payload` of an `events_api` envelope as an `InboundMessage`; `undefined` for events that are
 * not a person's message (edits, deletions, joins, the bot's own posts, other bots by default).
 * The key is channel + ts: stable when Slack redelivers an envelope, and the same for the
 * `message` and `app_mention` events one channel message produces, so it is handled once.
 */
export function translateEvent(
  payload: unknown,
  bot: SlackBotIdentity,
  accountId: string,
  opts: TranslateOptions = {},
): InboundMessage | undefined {
  const envelope = EventCallback.safeParse(payload);
  if (!envelope.success) return undefined;
  const parsed = SlackMessageEvent.safeParse(envelope.data.event);
  if (!parsed.success) return undefined;
  const ev = parsed.data;
  const fromOtherBot = opts.allowBots === true && ev.subtype === "bot_message";
  if (ev.subtype !== undefined && !USER_SUBTYPES.has(ev.subtype) && !fromOtherBot) return undefined;
  if (ev.user === bot.userId || (bot.botId !== undefined && ev.bot_id === bot.botId)) return undefined;
  if (ev.bot_id !== undefined && !opts.allowBots) return undefined;
  const senderId = ev.user ?? ev.bot_id;
  const raw = ev.text ?? "";
  const media = slackMediaRefs(ev.files);
  if (senderId === undefined || (raw.trim() === "" && media.length === 0)) return undefined;
  const threadId = ev.thread_ts && ev.thread_ts !== ev.ts ? ev.thread_ts : undefined;
  const teamId = envelope.data.team_id ?? ev.team;
  const mention = new RegExp(`<@${bot.userId}(\\|[^>]*)?>`);
  return {
    channel: "slack",
    accountId,
    key: `${ev.channel}:${ev.ts}`,
    chatType: chatTypeOf(ev.channel_type, ev.channel),
    chatId: ev.channel,
    ...(threadId ? { threadId } : {}),
    ...(teamId ? { teamId } : {}),
    messageId: ev.ts,
    sender: { id: senderId },
    text: plainText(raw, mention, bot),
    mentionsBot: ev.type === "app_mention" || mention.test(raw),
    // A reply in a thread the bot started counts as an implicit mention (reference-agent §4.5).
    repliesToBot: threadId !== undefined && ev.parent_user_id === bot.userId,
    receivedAt: tsToMs(ev.ts),
    ...(media.length > 0 ? { media } : {}),
  };
}
