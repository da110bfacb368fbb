import type { Logger } from "../infra/logger.ts";
import type { GroupEntry } from "../routing/access/group-policy.ts";

/** Channels this build can start. A new id needs a loader in `manager.ts` and a folder here. */
export const CHANNEL_IDS = ["telegram", "discord", "slack"] as const;
export type ChannelId = (typeof CHANNEL_IDS)[number];

export type ChatType = "direct" | "group" | "channel";

/** Who wrote a message, in the platform's own ids. */
export interface InboundSender {
  id: string;
  username?: string;
  firstName?: string;
  lastName?: string;
}

/**
 * One message from a chat platform, translated by its adapter (DESIGN.md §4). Plain JSON: the
 * channel inbox stores it as it is, so a message recorded before a crash is replayed unchanged.
 */
export interface InboundMessage {
  channel: ChannelId;
  accountId: string;
  /** Unique per account and stable across redelivery (Telegram: the update id). */
  key: string;
  chatType: ChatType;
  chatId: string;
  /** Forum topic or thread the message belongs to, when the platform has them. */
  threadId?: string;
  /** Discord guild of a guild channel: binding match key and the `guilds.<id>` settings. */
  guildId?: string;
  /** Slack workspace (team) of the message: binding match key. */
  teamId?: string;
  /** Platform id of this message, for replies. */
  messageId: string;
  sender: InboundSender;
  text: string;
  /** The platform itself marks the bot as mentioned (Telegram `@botname` entity, Discord `<@id>`…). */
  mentionsBot: boolean;
  /** A reply to one of the bot's messages: an implicit mention (reference-agent §4.5). */
  repliesToBot: boolean;
  receivedAt: number;
}

export interface OutboundTarget {
  chatId: string;
  threadId?: string;
}

/** What the pipeline hands an adapter to send; media parts join later (MED-1). */
export type OutboundPart = { type: "text"; text: string };

export interface SentRef {
  messageId: string;
}

/**
 * How a platform differs, as data the pipeline reads (STYLE §2.5): never `if (channel === …)`.
 */
export interface ChannelCapabilities {
  /** Hard limit of one text message (Telegram 4096). */
  maxTextChars: number;
  /** Chunk size when `textChunkLimit` is unset (Telegram 4000: headroom under the hard limit). */
  defaultChunkChars: number;
  /** Has a typing indicator, and how long one call shows it (Telegram: 5 s). */
  typingTtlMs: number | undefined;
  /** Prefixes an `allowFrom` entry may carry for this channel (`telegram:123`, `tg:123`). */
  allowFromPrefixes: readonly string[];
  /** Shown in the pairing reply: `Your <label> user id: …`. */
  label: string;
}

export type AdapterState = "starting" | "connected" | "reconnecting" | "stopped" | "error";

export interface AdapterStatus {
  state: AdapterState;
  lastError?: string;
  reconnectAttempts: number;
  lastConnectedAt?: number;
  /** The bot's own identity once known (Telegram `getMe`). */
  bot?: { id: string; username?: string };
  mode: string;
  /** Where the credential came from (`config`, `tokenFile`, `env`), never the credential. */
  tokenSource?: string;
}

/** Raised by `run` when the platform rejects the credentials: retrying cannot help. */
export class ChannelAuthError extends Error {
  override name = "ChannelAuthError";
}

export interface AdapterContext {
  accountId: string;
  log: Logger;
  /**
   * The only way into the pipeline. Resolves once the messages are recorded durably, not when
   * they are answered: an adapter acknowledges its platform (moves an offset, acks an envelope)
   * only after this resolves. Rejects when they could not be recorded; the adapter must then
   * not acknowledge them.
   */
  receive(messages: InboundMessage[]): Promise<void>;
}

/**
 * One account of one platform. An adapter translates (platform event → `InboundMessage`,
 * `OutboundPart` → platform call); it never decides who may talk, which agent answers, or how
 * text is chunked (STYLE §2.5). Its SDK types stay in its folder.
 */
export interface ChannelAdapter {
  readonly channel: ChannelId;
  readonly accountId: string;
  readonly capabilities: ChannelCapabilities;
  /**
   * Receives until `signal` aborts, reconnecting with backoff; network faults go to `status()`,
   * never to the caller. Rejects only with `ChannelAuthError` (bad credentials) or on a bug.
   */
  run(ctx: AdapterContext, signal: AbortSignal): Promise<void>;
  /** Sends one part; retries what the platform asks to retry (429). Throws when it finally fails. */
  send(to: OutboundTarget, part: OutboundPart, signal: AbortSignal): Promise<SentRef>;
  /** Shows a typing indicator once (it fades after `typingTtlMs`). Throws on failure. */
  sendTyping(to: OutboundTarget, signal: AbortSignal): Promise<void>;
  status(): AdapterStatus;
  /**
   * The group settings that apply to `msg`, shaped like Telegram's `groups` map (keyed by chat
   * id, `*` for any). Platforms that nest them differently (Discord `guilds.<id>.channels.<id>`)
   * flatten them here; absent means the account's own `groups` key. Pure, no I/O.
   */
  groupEntries?(account: AccountConfig, msg: InboundMessage): Record<string, GroupEntry> | undefined;
}

/** The resolved settings of one account: the channel block with the account's own keys on top. */
export type AccountConfig = Record<string, unknown>;

export interface AdapterFactoryInput {
  accountId: string;
  config: AccountConfig;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/** What each channel folder's `adapter.ts` exports; may throw for an unusable config (no token). */
export type AdapterFactory = (input: AdapterFactoryInput) => Promise<ChannelAdapter>;
