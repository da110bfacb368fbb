import type { InboundSender } from "../../channels/adapter.ts";
import { isSenderAllowed } from "../access/allow-match.ts";

/**
 * Who sent a message, as chat commands see it (reference-agent §3.9). Protocol clients (WebChat,
 * CLI, operators with write scope) carry none: they are authorised and the owner.
 */
export interface CommandSender {
  channel: string;
  accountId: string;
  id: string;
  username?: string;
  chatType: string;
  chatId: string;
  /** May run commands and directives; otherwise `/…` is plain text. */
  authorized: boolean;
  /** May run owner-only commands (`/config`, `/debug`). */
  owner: boolean;
}

/** The `commands` keys that decide authorization. */
export interface CommandAuthConfig {
  allowFrom?: Record<string, (string | number)[]> | undefined;
  ownerAllowFrom?: (string | number)[] | undefined;
}

export interface CommandAuthInput {
  commands: CommandAuthConfig | undefined;
  channel: string;
  sender: InboundSender;
  /** `allowFrom` prefixes of the channel (`telegram:`, `tg:`). */
  prefixes: readonly string[];
  /** The channel's access control let this message in (allowlists, pairing store, group policy). */
  admitted: boolean;
  /** The channel's configured `allowFrom` entries, for the owner fallback. */
  channelAllowFrom: readonly (string | number)[];
  /** The bot's own id, where known: the owner of last resort (self-chat). */
  selfId?: string | undefined;
}

export interface CommandAuth {
  authorized: boolean;
  owner: boolean;
}

/**
 * Decides whether a chat sender may use commands and owner-only commands (reference-agent §3.9,
 * §4.6). `commands.allowFrom`, when set, is the only source (per channel, `*` for every channel).
 * Otherwise a sender the channel's access control admitted (allowlists, pairing store, group
 * policy) is authorised: senders it does not admit never get this far. Pure.
 */
export function authorizeCommand(input: CommandAuthInput): CommandAuth {
  const { commands, channel, sender, prefixes } = input;
  let authorized: boolean;
  if (commands?.allowFrom) {
    const list = commands.allowFrom[channel] ?? commands.allowFrom["*"] ?? [];
    authorized = isSenderAllowed(list, sender, prefixes);
  } else {
    authorized = input.admitted;
  }
  return { authorized, owner: authorized && isOwner(input) };
}

/**
 * The owner list: `commands.ownerAllowFrom` (`*` = everyone), else the channel's `allowFrom`
 * entries other than `*`, else the bot's own id.
 */
function isOwner(input: CommandAuthInput): boolean {
  const { commands, sender, prefixes } = input;
  if (commands?.ownerAllowFrom && commands.ownerAllowFrom.length > 0)
    return isSenderAllowed(commands.ownerAllowFrom, sender, prefixes);
  const named = input.channelAllowFrom.filter((e) => String(e).trim() !== "*");
  if (named.length > 0) return isSenderAllowed(named, sender, prefixes);
  return input.selfId !== undefined && input.selfId === sender.id;
}
