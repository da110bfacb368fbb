import type { Message, Update } from "grammy/types";
import type { ChatType, InboundMessage } from "../adapter.ts";
import { telegramMediaRefs } from "./media.ts";

export interface BotIdentity {
  id: number;
  username: string;
}

function chatTypeOf(type: Message["chat"]["type"]): ChatType {
  switch (type) {
    case "private":
      return "direct";
    case "group":
    case "supergroup":
      return "group";
    case "channel":
      return "channel";
  }
}

/** `@botname` (or a `text_mention` of the bot, or `/cmd@botname`) in the message's entities. */
function mentionsBot(msg: Message, text: string, bot: BotIdentity): boolean {
  const entities = msg.entities ?? msg.caption_entities ?? [];
  const handle = `@${bot.username}`.toLowerCase();
  for (const e of entities) {
    const part = text.slice(e.offset, e.offset + e.length).toLowerCase();
    if (e.type === "mention" && part === handle) return true;
    if (e.type === "text_mention" && e.user.id === bot.id) return true;
    if (e.type === "bot_command" && part.endsWith(handle)) return true;
  }
  return false;
}

/**
 * A Telegram update as an `InboundMessage`; `undefined` for updates we do not handle yet
 * (edits, reactions, media without a caption, the bot's own messages).
 */
export function translateUpdate(
  update: Update,
  bot: BotIdentity,
  accountId: string,
): InboundMessage | undefined {
  const msg = update.message;
  if (!msg?.from || msg.from.id === bot.id) return undefined;
  const media = telegramMediaRefs(msg);
  const text = msg.text ?? msg.caption ?? (media.length > 0 ? "" : undefined);
  if (text === undefined) return undefined;
  const threadId = msg.is_topic_message && msg.message_thread_id ? String(msg.message_thread_id) : undefined;
  return {
    channel: "telegram",
    accountId,
    key: String(update.update_id),
    chatType: chatTypeOf(msg.chat.type),
    chatId: String(msg.chat.id),
    ...(threadId ? { threadId } : {}),
    messageId: String(msg.message_id),
    sender: {
      id: String(msg.from.id),
      ...(msg.from.username ? { username: msg.from.username } : {}),
      firstName: msg.from.first_name,
      ...(msg.from.last_name ? { lastName: msg.from.last_name } : {}),
    },
    text,
    mentionsBot: mentionsBot(msg, text, bot),
    repliesToBot: msg.reply_to_message?.from?.id === bot.id,
    receivedAt: msg.date * 1000,
    ...(media.length > 0 ? { media } : {}),
  };
}
