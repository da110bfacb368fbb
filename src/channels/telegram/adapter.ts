import { setTimeout as sleepFor } from "node:timers/promises";
import type { ReactionTypeEmoji, Update } from "grammy/types";
import { Api, GrammyError } from "grammy/web";
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
  type OutboundPart,
  type OutboundTarget,
  type SentRef,
} from "../adapter.ts";
import { backoffDelayMs } from "../backoff.ts";
import type { ChannelHttpEndpoint } from "../http-endpoint.ts";
import { markdownToTelegramHtml } from "./format.ts";
import { downloadTelegramFile, sendTelegramMedia } from "./media.ts";
import { retryTransformer } from "./retry.ts";
import { resolveBotToken, type TokenSource } from "./token.ts";
import { type BotIdentity, translateUpdate } from "./translate.ts";
import {
  answerTelegramWebhook,
  MAX_UPDATE_BODY_BYTES,
  resolveWebhookSettings,
  type WebhookSettings,
} from "./webhook.ts";

const CAPABILITIES: ChannelCapabilities = {
  maxTextChars: 4096,
  // reference-agent §5.2: "Message limit 4096 chars (chunk at 4000)".
  defaultChunkChars: 4000,
  typingTtlMs: 5000,
  allowFromPrefixes: ["telegram:", "tg:"],
  label: "Telegram",
  threadSessionSuffix: "topic",
  // Bot API: photos up to 10 MB, other files up to 50 MB; inbound `mediaMaxMb` 5 (§5.1).
  media: {
    maxUploadBytes: 50 * 1024 * 1024,
    maxPhotoBytes: 10 * 1024 * 1024,
    defaultInboundMaxMb: 5,
    voice: true,
  },
};

/** Seconds Telegram holds a `getUpdates` open when nothing arrives. */
const POLL_TIMEOUT_S = 30;
const DEFAULT_CALL_TIMEOUT_MS = 30_000;
const ALLOWED_UPDATES = ["message", "message_reaction"] as const;
/** The chat commands the router answers (reference-agent §3.9), for the bot's command menu. */
const NATIVE_COMMANDS = [
  { command: "help", description: "Show available commands" },
  { command: "status", description: "Show session status" },
  { command: "new", description: "Start a new session" },
  { command: "reset", description: "Reset the session" },
  { command: "stop", description: "Stop the current run" },
  { command: "model", description: "Show or set the model" },
];

/** Telegram's answers to markup it will not render (400 Bad Request descriptions). */
function isMarkupRefusal(description: string): boolean {
  return /can't parse entities|message is too long|unsupported start tag|can't find end tag/i.test(
    description,
  );
}

const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  sleepFor(ms, undefined, signal ? { signal } : {}).then(() => undefined);

/** Loaded by the channel manager when a Telegram account is configured (STYLE §2.9). */
export const createAdapter: AdapterFactory = async ({ accountId, config, env, log }) => {
  const { token, source } = await resolveBotToken(config, accountId, env);
  const apiRoot = typeof config["apiRoot"] === "string" ? config["apiRoot"].replace(/\/+$/, "") : undefined;
  // grammY keeps the token out of its error messages (sensitiveLogs defaults to false).
  const api = new Api(token, apiRoot ? { apiRoot } : {});
  api.config.use(retryTransformer({ maxAttempts: 4, maxRetryAfterMs: 60_000, sleep }));
  const webhook = resolveWebhookSettings(config, accountId, env);
  // OpenClaw opens a listener of its own (`webhookHost:webhookPort`); here the gateway port serves it.
  if (webhook && (config["webhookHost"] !== undefined || config["webhookPort"] !== undefined))
    log.warn("telegram webhook is served on the gateway port; webhookHost and webhookPort are not used", {
      accountId,
      path: webhook.path,
    });
  const timeoutSeconds = config["timeoutSeconds"];
  return new TelegramAdapter({
    api,
    accountId,
    log,
    tokenSource: source,
    callTimeoutMs: typeof timeoutSeconds === "number" ? timeoutSeconds * 1000 : DEFAULT_CALL_TIMEOUT_MS,
    linkPreview: config["linkPreview"] !== false,
    commands: commandMenu(config),
    webhook,
    apiRoot,
  });
};

function commandMenu(
  config: Record<string, unknown>,
): { command: string; description: string }[] | undefined {
  const native = (config["commands"] as { native?: unknown } | undefined)?.native;
  if (native === false) return undefined;
  const custom = (config["customCommands"] as { command: string; description: string }[] | undefined) ?? [];
  return [
    ...NATIVE_COMMANDS,
    ...custom.map((c) => ({ command: c.command.replace(/^\//, ""), description: c.description })),
  ];
}

interface TelegramAdapterInit {
  api: Api;
  accountId: string;
  log: Logger;
  tokenSource: TokenSource;
  callTimeoutMs: number;
  linkPreview: boolean;
  commands: { command: string; description: string }[] | undefined;
  /** Webhook mode when set (reference-agent §5.2), long polling otherwise. */
  webhook: WebhookSettings | undefined;
  /** Bot API root when not Telegram's own (self-hosted server, tests); file downloads use it too. */
  apiRoot: string | undefined;
}

/** Telegram over the Bot API with long polling, or a webhook on the gateway port (reference-agent §5.2). */
class TelegramAdapter implements ChannelAdapter {
  readonly channel = "telegram" as const;
  readonly accountId: string;
  readonly capabilities = CAPABILITIES;
  readonly tokenSource: TokenSource;
  readonly #init: TelegramAdapterInit;
  readonly #status: AdapterStatus;
  readonly httpEndpoint: ChannelHttpEndpoint | undefined;
  /** Where webhook updates go while `run` receives; unset before and after. */
  #receiver: { ctx: AdapterContext; bot: BotIdentity } | undefined;

  constructor(init: TelegramAdapterInit) {
    this.#init = init;
    this.accountId = init.accountId;
    this.tokenSource = init.tokenSource;
    this.#status = {
      state: "starting",
      reconnectAttempts: 0,
      mode: init.webhook ? "webhook" : "polling",
      tokenSource: init.tokenSource,
    };
    const webhook = init.webhook;
    this.httpEndpoint = webhook && {
      path: webhook.path,
      maxBodyBytes: MAX_UPDATE_BODY_BYTES,
      handle: (req) =>
        answerTelegramWebhook(req, {
          secret: webhook.secret,
          onUpdate: (update) => this.#onWebhookUpdate(update),
        }),
    };
  }

  status(): AdapterStatus {
    return { ...this.#status };
  }

  async run(ctx: AdapterContext, signal: AbortSignal): Promise<void> {
    const bot = await this.#connect(signal);
    if (!bot) return;
    void this.#registerCommands(signal);
    if (this.#init.webhook) return this.#runWebhook(this.#init.webhook, ctx, bot, signal);
    // A webhook left from webhook mode makes every getUpdates fail with 409 (as grammY's `start`).
    await this.#init.api.deleteWebhook({}, this.#callSignal(signal)).catch((err: unknown) => {
      if (!signal.aborted) this.#init.log.warn("deleteWebhook failed", { accountId: this.accountId, err });
    });
    let offset: number | undefined;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await this.#init.api.getUpdates(
          {
            ...(offset !== undefined ? { offset } : {}),
            timeout: POLL_TIMEOUT_S,
            allowed_updates: [...ALLOWED_UPDATES],
          },
          grammySignal(AbortSignal.any([signal, AbortSignal.timeout((POLL_TIMEOUT_S + 15) * 1000)])),
        );
      } catch (err) {
        if (signal.aborted) break;
        if (isUnauthorized(err)) throw this.#authFailed(err);
        await this.#backOff("getUpdates failed", err, signal);
        continue;
      }
      this.#connected();
      if (updates.length === 0) continue;
      const messages = updates.flatMap((u) => translateUpdate(u, bot, this.accountId) ?? []);
      try {
        // Recorded before the offset moves past them (issue 8, "No silent loss").
        await ctx.receive(messages);
      } catch (err) {
        if (signal.aborted) break;
        await this.#backOff("cannot record inbound messages; Telegram will send them again", err, signal);
        continue;
      }
      offset = Math.max(...updates.map((u) => u.update_id)) + 1;
    }
    this.#status.state = "stopped";
  }

  /**
   * Sends markdown rendered as Telegram HTML; when Telegram refuses the markup (it cannot parse
   * it, or the entities push it over the limit), the same text goes again as plain text, so a
   * formatting problem never loses the answer (reference-agent §5.2).
   */
  async send(to: OutboundTarget, part: OutboundPart, signal: AbortSignal): Promise<SentRef> {
    if (part.type === "media") {
      const sent = await sendTelegramMedia(this.#init.api, to, part, threadOf(to), this.#callSignal(signal));
      return { messageId: String(sent.message_id) };
    }
    const options = {
      ...threadOf(to),
      ...(this.#init.linkPreview ? {} : { link_preview_options: { is_disabled: true } }),
      // A quoted message that is gone must not lose the answer: sent without the quote then.
      ...(to.replyTo
        ? { reply_parameters: { message_id: Number(to.replyTo), allow_sending_without_reply: true } }
        : {}),
    };
    try {
      const sent = await this.#init.api.sendMessage(
        to.chatId,
        markdownToTelegramHtml(part.text),
        { ...options, parse_mode: "HTML" },
        this.#callSignal(signal),
      );
      return { messageId: String(sent.message_id) };
    } catch (err) {
      if (!(err instanceof GrammyError && isMarkupRefusal(err.description))) throw err;
      this.#init.log.warn("Telegram refused the formatted message; sending it as plain text", {
        accountId: this.accountId,
        chatId: to.chatId,
        error: err.description,
      });
      const sent = await this.#init.api.sendMessage(to.chatId, part.text, options, this.#callSignal(signal));
      return { messageId: String(sent.message_id) };
    }
  }

  downloadMedia(media: InboundMediaRef, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    return downloadTelegramFile(this.#init.api, this.#init.apiRoot, media, maxBytes, signal);
  }

  /** `setMessageReaction`; Telegram takes only its own set of reaction emoji (👀 among them). */
  async react(
    to: OutboundTarget,
    messageId: string,
    emoji: string,
    remove: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const reaction = remove ? [] : [{ type: "emoji", emoji } as ReactionTypeEmoji];
    await this.#init.api.setMessageReaction(
      to.chatId,
      Number(messageId),
      reaction,
      {},
      this.#callSignal(signal),
    );
  }

  async sendTyping(to: OutboundTarget, signal: AbortSignal): Promise<void> {
    // The General topic (id 1) takes no thread id in sends, but typing does (reference-agent §5.2).
    const thread = to.threadId ? { message_thread_id: Number(to.threadId) } : {};
    await this.#init.api.sendChatAction(to.chatId, "typing", thread, this.#callSignal(signal));
  }

  /**
   * Registers the webhook (retrying with backoff), then receives through `httpEndpoint` until
   * stopped. The webhook stays registered when the gateway stops: Telegram keeps the updates
   * until it is back, and long polling deletes it when the account returns to polling.
   */
  async #runWebhook(
    webhook: WebhookSettings,
    ctx: AdapterContext,
    bot: BotIdentity,
    signal: AbortSignal,
  ): Promise<void> {
    this.#receiver = { ctx, bot };
    try {
      while (!signal.aborted) {
        try {
          await this.#init.api.setWebhook(
            webhook.url,
            { secret_token: webhook.secret, allowed_updates: [...ALLOWED_UPDATES] },
            this.#callSignal(signal),
          );
          this.#connected();
          this.#init.log.info("telegram webhook registered", {
            accountId: this.accountId,
            path: webhook.path,
          });
          break;
        } catch (err) {
          if (signal.aborted) break;
          if (isUnauthorized(err)) throw this.#authFailed(err);
          await this.#backOff("setWebhook failed", err, signal);
        }
      }
      if (!signal.aborted)
        await new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => resolve(), { once: true }),
        );
    } finally {
      this.#receiver = undefined;
      if (this.#status.state !== "error") this.#status.state = "stopped";
    }
  }

  /** Records one webhook update; `false` (the route answers 503, Telegram retries) when it cannot. */
  async #onWebhookUpdate(update: Update): Promise<boolean> {
    const receiver = this.#receiver;
    if (!receiver) return false;
    const messages = [update].flatMap((u) => translateUpdate(u, receiver.bot, this.accountId) ?? []);
    try {
      await receiver.ctx.receive(messages);
      return true;
    } catch (err) {
      this.#status.lastError = `cannot record an inbound message: ${errorMessage(err)}`;
      this.#init.log.warn("cannot record a webhook update; Telegram will send it again", {
        accountId: this.accountId,
        updateId: update.update_id,
        err,
      });
      return false;
    }
  }

  async probe(signal: AbortSignal): Promise<{ id: string; username?: string | undefined }> {
    const me = await this.#init.api.getMe(this.#callSignal(signal));
    return { id: String(me.id), username: me.username };
  }

  /** `getMe` until it answers; `undefined` when stopped first. Throws ChannelAuthError on 401. */
  async #connect(signal: AbortSignal): Promise<BotIdentity | undefined> {
    while (!signal.aborted) {
      try {
        const me = await this.#init.api.getMe(this.#callSignal(signal));
        this.#status.bot = { id: String(me.id), username: me.username };
        this.#connected();
        this.#init.log.info("telegram bot connected", { accountId: this.accountId, username: me.username });
        return { id: me.id, username: me.username };
      } catch (err) {
        if (signal.aborted) break;
        if (isUnauthorized(err)) throw this.#authFailed(err);
        await this.#backOff("getMe failed", err, signal);
      }
    }
    return undefined;
  }

  /** Fills the bot's command menu; a failure is logged and shown in status, never fatal (TG-6). */
  async #registerCommands(signal: AbortSignal): Promise<void> {
    const commands = this.#init.commands;
    if (!commands) return;
    try {
      await this.#init.api.setMyCommands(commands, {}, this.#callSignal(signal));
    } catch (err) {
      if (signal.aborted) return;
      this.#status.lastError = `setMyCommands failed: ${errorMessage(err)}`;
      this.#init.log.warn("setMyCommands failed", { accountId: this.accountId, err });
    }
  }

  #connected(): void {
    if (this.#status.state !== "connected") this.#status.lastConnectedAt = Date.now();
    this.#status.state = "connected";
    this.#status.reconnectAttempts = 0;
  }

  async #backOff(what: string, err: unknown, signal: AbortSignal): Promise<void> {
    this.#status.state = "reconnecting";
    this.#status.reconnectAttempts++;
    this.#status.lastError = `${what}: ${errorMessage(err)}`;
    // A flood-limited poll waits as long as Telegram asks (`retry_after`), never less.
    const retryAfterS = err instanceof GrammyError ? (err.parameters.retry_after ?? 0) : 0;
    const delayMs = Math.max(
      retryAfterS * 1000,
      backoffDelayMs(this.#status.reconnectAttempts, { maxMs: 30_000 }),
    );
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
    this.#status.lastError = `Telegram rejected the bot token: ${errorMessage(err)}`;
    return new ChannelAuthError(this.#status.lastError, { cause: err });
  }

  #callSignal(signal: AbortSignal): GrammySignal {
    return grammySignal(AbortSignal.any([signal, AbortSignal.timeout(this.#init.callTimeoutMs)]));
  }
}

type GrammySignal = NonNullable<Parameters<Api["getMe"]>[0]>;

/**
 * grammY's Node typings name the `abort-controller` polyfill's AbortSignal; at run time it takes
 * any object with `addEventListener` (its `validateSignal`), so a native signal is fine.
 */
function grammySignal(signal: AbortSignal): GrammySignal {
  return signal as unknown as GrammySignal;
}

function threadOf(to: OutboundTarget): { message_thread_id?: number } {
  return to.threadId && to.threadId !== "1" ? { message_thread_id: Number(to.threadId) } : {};
}

function isUnauthorized(err: unknown): boolean {
  return err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404);
}
