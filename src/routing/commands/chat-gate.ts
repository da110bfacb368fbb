import type { ChannelAdapter, InboundMessage, OutboundTarget } from "../../channels/adapter.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import type { Logger } from "../../infra/logger.ts";
import { authorizeCommand, type CommandSender } from "./authorize.ts";
import { parseCommand } from "./parse.ts";

export interface ChatCommandGate {
  sender: CommandSender;
  /** The whole message is one command or only directives (the fast path, reference-agent §3.9). */
  commandOnly: boolean;
}

/**
 * The command view of a chat message that passed the channel's access control: who sent it, may
 * they run commands, and is it a command-only message. `admitted` is the channel's own decision
 * (false for an unknown DM sender waiting on pairing).
 */
export function chatCommandGate(
  msg: InboundMessage,
  adapter: ChannelAdapter,
  config: OpenClawConfig,
  admitted: boolean,
  channelAllowFrom: readonly (string | number)[],
): ChatCommandGate {
  const auth = authorizeCommand({
    commands: config.commands,
    channel: msg.channel,
    sender: msg.sender,
    prefixes: adapter.capabilities.allowFromPrefixes,
    admitted,
    channelAllowFrom,
    selfId: adapter.status().bot?.id,
  });
  return {
    sender: {
      channel: msg.channel,
      accountId: msg.accountId,
      id: msg.sender.id,
      ...(msg.sender.username ? { username: msg.sender.username } : {}),
      chatType: msg.chatType,
      chatId: msg.chatId,
      ...auth,
    },
    commandOnly: parseCommand(msg.text) !== undefined,
  };
}

/** Commands that also work inside a longer message (reference-agent §3.9, CMD-2). */
const INLINE_SHORTCUT_RE = /(^|\s)\/(help|commands|status|whoami|id)(?:@[A-Za-z0-9_]+)?(?=$|\s|[.,!?;])/gi;

/**
 * Splits a message into the inline shortcuts it carries (`hey /status`) and the text that remains
 * for the model. A message that is only a command is not split (that is the fast path). Pure.
 */
export function splitInlineShortcuts(text: string): { shortcuts: string[]; rest: string } {
  if (parseCommand(text) !== undefined) return { shortcuts: [], rest: text };
  const shortcuts: string[] = [];
  const rest = text
    .replace(INLINE_SHORTCUT_RE, (_all, lead: string, name: string) => {
      shortcuts.push(`/${name.toLowerCase()}`);
      return lead;
    })
    .replace(/[ \t]{2,}/g, " ")
    .trim();
  return shortcuts.length > 0 ? { shortcuts, rest } : { shortcuts: [], rest: text };
}

/**
 * Sends progress messages (`/verbose` tool calls, `/reasoning`) in the order they come, without
 * holding up the run; `flush` waits for them before the answer goes out. A failed one is logged
 * and skipped: progress never fails the message.
 */
export function progressSender(
  adapter: ChannelAdapter,
  to: OutboundTarget,
  signal: AbortSignal,
  log: Logger,
): { progress: (text: string) => void; flush: () => Promise<void> } {
  let chain = Promise.resolve();
  return {
    progress: (text) => {
      chain = chain.then(() =>
        adapter.send(to, { type: "text", text }, signal).then(
          () => undefined,
          (err: unknown) => {
            if (!signal.aborted) log.warn("cannot send a progress message", { err });
          },
        ),
      );
    },
    flush: () => chain,
  };
}
