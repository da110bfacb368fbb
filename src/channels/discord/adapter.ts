import { setTimeout as sleepFor } from "node:timers/promises";
import type { REST } from "@discordjs/rest";
import { CloseCodes, type SessionInfo, WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import {
  type APIChannel,
  type APIUser,
  GatewayCloseCodes,
  GatewayIntentBits,
  type GatewayMessageCreateDispatchData,
  Routes,
} from "discord-api-types/v10";
import { errorMessage } from "../../infra/errors.ts";
import type { Logger } from "../../infra/logger.ts";
import {
  type AdapterContext,
  type AdapterFactory,
  type AdapterStatus,
  type ChannelAdapter,
  ChannelAuthError,
  type ChannelCapabilities,
  type InboundMediaRef,
  type InboundMessage,
  type OutboundPart,
  type OutboundTarget,
  type SentRef,
} from "../adapter.ts";
import { backoffDelayMs } from "../backoff.ts";
import { ChannelDirectory, channelInfoOf } from "./channel-directory.ts";
import { discordGroupEntries } from "./group-entries.ts";
import { discordUpload, downloadDiscordAttachment } from "./media.ts";
import { createDiscordRest, type DiscordRestInput, isUnauthorized } from "./rest.ts";
import { resolveApiEndpoint, resolveDiscordToken, type TokenSource } from "./token.ts";
import { type BotIdentity, type ChannelInfo, translateMessage } from "./translate.ts";

const CAPABILITIES: ChannelCapabilities = {
  // Discord refuses longer content (50035 "Must be 2000 or fewer in length").
  maxTextChars: 2000,
  // reference-agent §5.1: `textChunkLimit` defaults to 2000 on Discord.
  defaultChunkChars: 2000,
  // reference-agent §5.3: `maxLinesPerMessage` defaults to 17.
  defaultMaxLines: 17,
  // A typing indicator lasts about 10 s, or until the bot's next message.
  typingTtlMs: 10_000,
  // reference-agent §4.1: `user:<id>` for Discord; `discord:<id>` as in `session.identityLinks`.
  allowFromPrefixes: ["discord:", "user:"],
  label: "Discord",
  threadSessionSuffix: "thread",
  // Bots may upload 10 MB per file on an unboosted server; inbound `mediaMaxMb` 8 (§5.3).
  media: {
    maxUploadBytes: 10 * 1024 * 1024,
    maxPhotoBytes: 10 * 1024 * 1024,
    defaultInboundMaxMb: 8,
    voice: false,
  },
};

const DEFAULT_CALL_TIMEOUT_MS = 15_000;
/** reference-agent §5.3: `retry.attempts` defaults to 3 (the first try included). */
const DEFAULT_ATTEMPTS = 3;
/** A rate limit longer than this fails the send; the inbox keeps the message for a retry. */
const MAX_RETRY_AFTER_MS = 60_000;
/**
 * Gateway close codes after which the shard does not reconnect by itself
 * (discord.com/developers/docs/topics/opcodes-and-status-codes): a rejected token, or a
 * shard/version/intents setting Discord refuses. Every other close is resumed or re-identified.
 */
const UNRECOVERABLE_CLOSE_CODES: ReadonlySet<number> = new Set([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);
/** Channels whose thread-or-not answer is remembered. */
const CHANNEL_INFO_MAX = 1000;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  sleepFor(ms, undefined, { signal }).then(() => undefined);

/** Loaded by the channel manager when a Discord account is configured (STYLE §2.9). */
export const createAdapter: AdapterFactory = async ({ accountId, config, env, log }) => {
  const { token, source } = resolveDiscordToken(config, accountId, env);
  const retry = config["retry"] as { attempts?: number } | undefined;
  const intents = config["intents"] as { guildMembers?: boolean; presence?: boolean } | undefined;
  const restInput: DiscordRestInput = {
    endpoint: resolveApiEndpoint(config, env),
    timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
    retries: Math.max(0, (retry?.attempts ?? DEFAULT_ATTEMPTS) - 1),
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    onRateLimited: (notice) => log.warn("discord rate limit; waiting as asked", { accountId, ...notice }),
  };
  const allowBots = config["allowBots"];
  return new DiscordAdapter({
    accountId,
    log,
    token,
    tokenSource: source,
    rest: createDiscordRest(restInput, token),
    allowBots: allowBots === true || allowBots === "mentions" ? allowBots : false,
    intents:
      GatewayIntentBits.Guilds |
      GatewayIntentBits.GuildMessages |
      GatewayIntentBits.DirectMessages |
      // Privileged, and required: without it guild messages arrive with empty content.
      GatewayIntentBits.MessageContent |
      (intents?.guildMembers ? GatewayIntentBits.GuildMembers : 0) |
      (intents?.presence ? GatewayIntentBits.GuildPresences : 0),
  });
};

interface DiscordAdapterInit {
  accountId: string;
  log: Logger;
  token: string;
  tokenSource: TokenSource;
  /** Sends, typing and lookups; independent of the gateway session, so replies go out while it reconnects. */
  rest: REST;
  allowBots: boolean | "mentions";
  /** IDENTIFY's `intents` bitfield. */
  intents: number;
}

/** How one gateway session (one WebSocketManager) ended, when it was not stopped by us. */
type SessionEnd = { type: "closed"; code: number } | { type: "failed"; err: unknown };

/**
 * Discord over the gateway WebSocket (@discordjs/ws) for inbound and REST (@discordjs/rest) for
 * outbound (reference-agent §5.3). The WebSocketManager keeps the session alive: heartbeats, RESUME
 * after a dropped socket (Discord then replays the events we missed), re-IDENTIFY when the session
 * is invalid. We read its raw dispatches and remember only which channels are threads: discord.js's
 * `Client`, built on the same two packages, loads a structure and a manager for everything Discord
 * has and caches every guild, channel and member, memory a bot that only answers messages never reads.
 *
 * Delivery: Discord has no acknowledgement and no offset; the gateway pushes each MESSAGE_CREATE
 * once per session and replays unseen ones on RESUME. "Exactly once" here means: each message is
 * recorded in the durable inbox before anything else happens to it, and the inbox drops a message
 * id it has already seen, so a replayed event is not answered twice, and one recorded before a
 * crash is answered after the restart. A message sent while no session exists (the process was
 * down, or the socket was away longer than Discord keeps a session resumable) is not replayed by
 * Discord and is not seen: unlike Telegram's offset, a fresh IDENTIFY starts from "now".
 */
class DiscordAdapter implements ChannelAdapter {
  readonly channel = "discord" as const;
  readonly accountId: string;
  readonly capabilities = CAPABILITIES;
  readonly #init: DiscordAdapterInit;
  readonly #status: AdapterStatus;
  readonly #channels = new ChannelDirectory(CHANNEL_INFO_MAX);

  constructor(init: DiscordAdapterInit) {
    this.#init = init;
    this.accountId = init.accountId;
    this.#status = {
      state: "starting",
      reconnectAttempts: 0,
      mode: "gateway",
      tokenSource: init.tokenSource,
    };
  }

  status(): AdapterStatus {
    return { ...this.#status };
  }

  groupEntries = discordGroupEntries;

  async run(ctx: AdapterContext, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const bot = await this.#whoAmI(signal);
      if (!bot) break;
      const end = await this.#session(ctx, bot, signal);
      if (!end) break;
      if (end.type === "closed" && end.code === GatewayCloseCodes.AuthenticationFailed)
        throw this.#authFailed(new Error(`gateway closed with ${end.code} (Authentication failed)`));
      if (end.type === "failed" && isUnauthorized(end.err)) throw this.#authFailed(end.err);
      const why = end.type === "closed" ? new Error(`gateway closed with code ${end.code}`) : end.err;
      await this.#backOff("discord gateway session ended", why, signal);
    }
    this.#status.state = "stopped";
  }

  async send(to: OutboundTarget, part: OutboundPart, signal: AbortSignal): Promise<SentRef> {
    if (part.type === "media") {
      const upload = discordUpload(part);
      const sent = (await this.#init.rest.post(Routes.channelMessages(to.threadId ?? to.chatId), {
        ...upload,
        signal,
      })) as { id: string };
      return { messageId: sent.id };
    }
    const sent = (await this.#init.rest.post(Routes.channelMessages(to.threadId ?? to.chatId), {
      // Model output must not ping @everyone/@here or whole roles; plain user mentions stay.
      body: {
        content: part.text,
        allowed_mentions: { parse: ["users"] },
        // A quoted message that is gone must not lose the answer: sent without the quote then.
        ...(to.replyTo ? { message_reference: { message_id: to.replyTo, fail_if_not_exists: false } } : {}),
      },
      signal,
    })) as { id: string };
    return { messageId: sent.id };
  }

  downloadMedia(media: InboundMediaRef, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    return downloadDiscordAttachment(media, maxBytes, signal);
  }

  /** `PUT`/`DELETE /channels/{id}/messages/{id}/reactions/{emoji}/@me`. */
  async react(
    to: OutboundTarget,
    messageId: string,
    emoji: string,
    remove: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const route = Routes.channelMessageOwnReaction(
      to.threadId ?? to.chatId,
      messageId,
      encodeURIComponent(emoji),
    );
    await (remove ? this.#init.rest.delete(route, { signal }) : this.#init.rest.put(route, { signal }));
  }

  async sendTyping(to: OutboundTarget, signal: AbortSignal): Promise<void> {
    await this.#init.rest.post(Routes.channelTyping(to.threadId ?? to.chatId), { signal });
  }

  async probe(signal: AbortSignal): Promise<{ id: string; username?: string | undefined }> {
    const me = (await this.#init.rest.get(Routes.user("@me"), { signal })) as APIUser;
    return { id: me.id, username: me.username };
  }

  /** `GET /users/@me` until it answers; `undefined` when stopped first. Throws ChannelAuthError on 401. */
  async #whoAmI(signal: AbortSignal): Promise<BotIdentity | undefined> {
    while (!signal.aborted) {
      try {
        const me = (await this.#init.rest.get(Routes.user("@me"), { signal })) as APIUser;
        this.#status.bot = { id: me.id, username: me.username };
        return { id: me.id, username: me.username };
      } catch (err) {
        if (signal.aborted) break;
        if (isUnauthorized(err)) throw this.#authFailed(err);
        await this.#backOff("discord GET /users/@me failed", err, signal);
      }
    }
    return undefined;
  }

  /**
   * One WebSocketManager from connect until `signal` aborts (`undefined`) or the session cannot go
   * on by itself (an unrecoverable close code, a failed `GET /gateway/bot`).
   */
  async #session(
    ctx: AdapterContext,
    bot: BotIdentity,
    signal: AbortSignal,
  ): Promise<SessionEnd | undefined> {
    const { log, accountId } = this.#init;
    // This account's own resumable sessions: the library's default store is one per process, so
    // two accounts would try to resume each other's.
    const sessions = new Map<number, SessionInfo>();
    const manager = new WebSocketManager({
      token: this.#init.token,
      intents: this.#init.intents,
      // `GET /gateway/bot` (the socket URL and shard count) goes through our client, so it honours
      // `apiBaseUrl` and the rate limits the sends share.
      rest: this.#init.rest,
      retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
      updateSessionInfo: (shardId, info) => {
        if (info) sessions.set(shardId, info);
        else sessions.delete(shardId);
      },
    });
    let inbound: Promise<void> = Promise.resolve();
    let over = false;
    let ended!: (end: SessionEnd) => void;
    const end = new Promise<SessionEnd>((resolve) => {
      ended = (e) => {
        over = true;
        resolve(e);
      };
    });
    manager.on(WebSocketShardEvents.Dispatch, ({ data: packet }) => {
      this.#channels.observe(packet);
      if (packet.t === "READY" || packet.t === "RESUMED") {
        if (packet.t === "READY") bot.id = packet.d.user.id;
        this.#connected(packet.t === "READY" ? "discord gateway ready" : "discord gateway resumed");
      } else if (packet.t === "MESSAGE_CREATE") {
        const data = packet.d;
        // One chain: messages are recorded in the order the gateway sent them.
        inbound = inbound.then(() => this.#inbound(ctx, bot, data, signal));
      }
    });
    manager.on(WebSocketShardEvents.Closed, ({ code }) => {
      if (over || signal.aborted) return; // our own destroy
      if (UNRECOVERABLE_CLOSE_CODES.has(code)) return ended({ type: "closed", code });
      // The shard resumes or re-identifies by itself, every half second while Discord is away:
      // the first loss is news, the retries are counted in the status.
      if (this.#status.state === "connected")
        log.info("discord gateway connection lost; reconnecting", { accountId, code });
      this.#status.state = "reconnecting";
      this.#status.reconnectAttempts++;
    });
    // Connection details (close codes, resume or identify) for `logs --follow` at trace level;
    // the library never puts the token in them.
    manager.on(WebSocketShardEvents.Debug, ({ message }) =>
      log.trace("discord gateway", { accountId, message }),
    );
    // Without a listener the emitter would throw an "error" event at the socket's callback.
    manager.on(WebSocketShardEvents.Error, ({ error }) => {
      this.#status.lastError = `gateway: ${errorMessage(error)}`;
      log.warn("discord gateway error", { accountId, err: error });
    });
    let onAbort!: () => void;
    const stopped = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      if (signal.aborted) onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
    });
    // Resolves at the first READY; rejects when `/gateway/bot` fails or the socket errs before it.
    manager.connect().catch((err: unknown) => ended({ type: "failed", err }));
    try {
      return await Promise.race([end, stopped]);
    } finally {
      over = true;
      signal.removeEventListener("abort", onAbort);
      try {
        await manager.destroy({ code: CloseCodes.Normal, reason: "adapter stopped" });
      } catch (err) {
        log.warn("discord gateway destroy failed", { accountId, err });
      }
      await inbound;
    }
  }

  /** Translates and records one message; never rejects (the chain must go on). */
  async #inbound(
    ctx: AdapterContext,
    bot: BotIdentity,
    data: GatewayMessageCreateDispatchData,
    signal: AbortSignal,
  ): Promise<void> {
    let msg: InboundMessage | undefined;
    try {
      const info = data.guild_id ? await this.#channelInfoOf(data.channel_id, signal) : undefined;
      msg = translateMessage(data, bot, this.accountId, info, { allowBots: this.#init.allowBots });
    } catch (err) {
      this.#init.log.error("discord message could not be translated; skipped", {
        accountId: this.accountId,
        messageId: data.id,
        err,
      });
      return;
    }
    if (!msg) return;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await ctx.receive([msg]);
        return;
      } catch (err) {
        if (signal.aborted) return;
        // Discord will not send it again: keep it in memory and keep trying the disk.
        this.#status.lastError = `cannot record an inbound message: ${errorMessage(err)}`;
        const delayMs = backoffDelayMs(attempt, { maxMs: 30_000 });
        this.#init.log.error("cannot record a discord message; retrying", { key: msg.key, delayMs, err });
        await sleep(delayMs, signal).catch(() => undefined);
      }
    }
  }

  /** Is the channel a thread (and of which parent)? From the gateway's dispatches, else `GET /channels/{id}`. */
  async #channelInfoOf(channelId: string, signal: AbortSignal): Promise<ChannelInfo> {
    const known = this.#channels.get(channelId);
    if (known) return known;
    try {
      const ch = (await this.#init.rest.get(Routes.channel(channelId), { signal })) as APIChannel;
      const info = channelInfoOf(ch);
      this.#channels.set(channelId, info);
      return info;
    } catch (err) {
      // Without the lookup the message is answered in its own channel as if it were one.
      this.#init.log.warn("discord channel lookup failed; treating it as a plain channel", {
        channelId,
        err,
      });
      return {};
    }
  }

  #connected(what: string): void {
    if (this.#status.state !== "connected") {
      this.#status.lastConnectedAt = Date.now();
      this.#init.log.info(what, { accountId: this.accountId, bot: this.#status.bot?.username });
    }
    this.#status.state = "connected";
    this.#status.reconnectAttempts = 0;
  }

  async #backOff(what: string, err: unknown, signal: AbortSignal): Promise<void> {
    this.#status.state = "reconnecting";
    this.#status.reconnectAttempts++;
    this.#status.lastError = `${what}: ${errorMessage(err)}`;
    const delayMs = backoffDelayMs(this.#status.reconnectAttempts, { maxMs: 30_000 });
    this.#init.log.warn(what, {
      accountId: this.accountId,
      delayMs,
      attempt: this.#status.reconnectAttempts,
      err,
    });
    await sleep(delayMs, signal).catch(() => undefined); // aborted: the caller's loop ends
  }

  #authFailed(err: unknown): ChannelAuthError {
    this.#status.state = "error";
    this.#status.lastError = `Discord rejected the bot token: ${errorMessage(err)}`;
    return new ChannelAuthError(this.#status.lastError, { cause: err });
  }
}
