import type { Logger } from "../infra/logger.ts";
import type { GroupEntry } from "../routing/access/group-policy.ts";
import type { ChannelHttpEndpoint } from "./http-endpoint.ts";

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
  /**
   * Files attached to the message, as platform handles: the inbox keeps them as they are and the
   * pipeline downloads them while handling the message (MED-5), never before it is recorded.
   */
  media?: InboundMediaRef[];
}

export type MediaKind = "image" | "document" | "audio" | "video";

/** One attached file, named the platform's way (Telegram `file_id`, a Discord or Slack URL). */
export interface InboundMediaRef {
  kind: MediaKind;
  /** What the adapter's `downloadMedia` needs to fetch it; plain JSON. */
  ref: string;
  mimeType?: string;
  fileName?: string;
  /** As the platform announced it; lets an oversized file be refused without downloading it. */
  sizeBytes?: number;
}

export interface OutboundTarget {
  chatId: string;
  threadId?: string;
  /** Quote-reply this platform message id (reply tags, reference-agent §1.5). Text sends only. */
  replyTo?: string;
}

/**
 * What the pipeline hands an adapter to send. A media part arrives ready to upload: read, resized
 * and checked against `capabilities.media` by the pipeline (MED-1, MED-3).
 */
export type OutboundPart =
  | { type: "text"; text: string }
  | {
      type: "media";
      /**
       * `image` goes out as a photo, `audio` as a track and `voice` as a voice note where the
       * platform has them (Telegram); anything else, and those elsewhere, as a file.
       */
      kind: OutboundMediaKind;
      data: Uint8Array;
      mimeType: string;
      fileName: string;
      caption?: string;
    };

export type OutboundMediaKind = "image" | "audio" | "voice" | "document";

/** What a platform accepts as files (MED-4). */
export interface MediaCapabilities {
  /** Largest upload the platform takes from a bot (Telegram Bot API 50 MB for documents). */
  maxUploadBytes: number;
  /** Largest photo; bigger images go out as documents (Telegram: 10 MB). */
  maxPhotoBytes: number;
  /** Default of `channels.<ch>.mediaMaxMb` for inbound files (reference-agent §5.1). */
  defaultInboundMaxMb: number;
  /** Sends voice notes (`[[audio_as_voice]]`); without, such audio goes as a plain track. */
  voice: boolean;
}

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
  /** Lines per message when `maxLinesPerMessage` is unset (Discord 17); absent means no line cap. */
  defaultMaxLines?: number;
  /** Has a typing indicator, and how long one call shows it (Telegram: 5 s). */
  typingTtlMs: number | undefined;
  /** Prefixes an `allowFrom` entry may carry for this channel (`telegram:123`, `tg:123`). */
  allowFromPrefixes: readonly string[];
  /** Shown in the pairing reply: `Your <label> user id: …`. */
  label: string;
  /**
   * How a thread's session key names it (reference-gateway §5): Telegram forum topics append
   * `:topic:<id>`, Slack and Discord threads `:thread:<id>`. Absent means `thread`.
   */
  threadSessionSuffix?: ThreadSessionSuffix;
  /** Absent: the platform (or this adapter) sends no files, and `MEDIA:` replies say so. */
  media?: MediaCapabilities;
}

export type ThreadSessionSuffix = "topic" | "thread";

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
  /**
   * Downloads one inbound file, refusing more than `maxBytes` with `MediaTooLargeError` (before
   * downloading when the platform announced the size). Absent: inbound files are not fetched.
   */
  downloadMedia?(media: InboundMediaRef, maxBytes: number, signal: AbortSignal): Promise<Uint8Array>;
  /**
   * Adds the bot's `emoji` reaction to a message, or with `remove` takes it back (MED-8 ack
   * reactions). Absent: the platform has no reactions. Throws on failure.
   */
  react?(
    to: OutboundTarget,
    messageId: string,
    emoji: string,
    remove: boolean,
    signal: AbortSignal,
  ): Promise<void>;
  /** Shows a typing indicator once (it fades after `typingTtlMs`). Throws on failure. */
  sendTyping(to: OutboundTarget, signal: AbortSignal): Promise<void>;
  status(): AdapterStatus;
  /**
   * Asks the platform once, now, whether the credentials work (`channels status --probe`):
   * resolves with the bot's identity, throws what the platform answered. Never retries.
   */
  probe(signal: AbortSignal): Promise<{ id: string; username?: string | undefined }>;
  /**
   * The group settings that apply to `msg`, shaped like Telegram's `groups` map (keyed by chat
   * id, `*` for any). Platforms that nest them differently (Discord `guilds.<id>.channels.<id>`)
   * flatten them here; absent means the account's own `groups` key. Pure, no I/O.
   */
  groupEntries?(account: AccountConfig, msg: InboundMessage): Record<string, GroupEntry> | undefined;
  /**
   * Set by adapters that receive over HTTP (Telegram webhook mode, Slack HTTP mode): the channel
   * manager routes requests for its path on the gateway port here. It answers 503 until `run`
   * has started receiving.
   */
  readonly httpEndpoint?: ChannelHttpEndpoint | undefined;
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
