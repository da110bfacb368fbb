import { setTimeout as sleepFor } from "node:timers/promises";
import { z } from "zod";
import { errorMessage } from "../../infra/errors.ts";
import type { Logger } from "../../infra/logger.ts";
import {
  type AccountConfig,
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
import type { ChannelHttpEndpoint } from "../http-endpoint.ts";
import { slackEmojiName } from "./emoji-names.ts";
import { isSlackAuthError } from "./errors.ts";
import { slackGroupEntries } from "./groups.ts";
import { answerSlackRequest, DEFAULT_WEBHOOK_PATH, MAX_EVENT_BODY_BYTES } from "./http-events.ts";
import { downloadSlackFile, uploadSlackFile } from "./media.ts";
import { markdownToMrkdwn } from "./mrkdwn.ts";
import { runSocketOnce, type SocketEnvelope } from "./socket.ts";
import { resolveApiUrl, resolveSlackCredentials, type SlackCredentials } from "./token.ts";
import { type SlackBotIdentity, translateEvent } from "./translate.ts";
import { SlackWebClient } from "./web-api.ts";

const CAPABILITIES: ChannelCapabilities = {
  // chat.postMessage truncates text past 40,000 characters; Slack advises messages of 4,000 at most,
  // and reference-agent §5.4 sets `textChunkLimit` 4000.
  maxTextChars: 40_000,
  defaultChunkChars: 4000,
  // Slack's only typing status is `assistant.threads.setStatus`, which needs the `assistant:write`
  // scope and a thread; replies go to the channel by default (`replyToMode: off`), so none is shown.
  typingTtlMs: undefined,
  // reference-agent §4.1: `user:<id>` for Slack, and the channel name as a prefix.
  allowFromPrefixes: ["slack:", "user:"],
  label: "Slack",
  threadSessionSuffix: "thread",
  // Slack takes files up to 1 GB; inbound files are capped at 20 MB by default (§5.4).
  media: {
    maxUploadBytes: 1024 * 1024 * 1024,
    maxPhotoBytes: 1024 * 1024 * 1024,
    defaultInboundMaxMb: 20,
    voice: false,
  },
};

const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** `disconnect` reasons after which we connect again at once (docs.slack.dev, Socket Mode). */
const REFRESH_REASONS = new Set(["refresh_requested", "warning", "too_many_websockets"]);

const AuthTest = z.looseObject({
  user_id: z.string(),
  user: z.string().optional(),
  team: z.string().optional(),
  team_id: z.string().optional(),
  bot_id: z.string().optional(),
});
const Posted = z.looseObject({ ts: z.string() });
const Ok = z.looseObject({});

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  sleepFor(ms, undefined, { signal }).then(() => undefined);

/** Loaded by the channel manager when a Slack account is configured (STYLE §2.9). */
export const createAdapter: AdapterFactory = async ({ accountId, config, env, log }) => {
  const credentials = resolveSlackCredentials(config, accountId, env);
  const apiUrl = resolveApiUrl(config, env);
  const web = new SlackWebClient({
    token: credentials.botToken,
    apiUrl,
    timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
    // A 429 waits for Slack's Retry-After, then counts as one of these retries.
    retries: 4,
    log,
  });
  return new SlackAdapter({
    accountId,
    log,
    web,
    credentials,
    apiUrl,
    allowBots: config["allowBots"] === true,
    webhookPath: typeof config["webhookPath"] === "string" ? config["webhookPath"] : DEFAULT_WEBHOOK_PATH,
  });
};

interface SlackAdapterInit {
  accountId: string;
  log: Logger;
  web: SlackWebClient;
  credentials: SlackCredentials;
  apiUrl: string | undefined;
  allowBots: boolean;
  /** HTTP mode: where Slack's Events API requests arrive on the gateway port. */
  webhookPath: string;
}

/**
 * Slack (reference-agent §5.4): events in over a Socket Mode WebSocket, or as Events API requests
 * on the gateway port (`mode: "http"`); replies via the Web API.
 */
class SlackAdapter implements ChannelAdapter {
  readonly channel = "slack" as const;
  readonly accountId: string;
  readonly capabilities = CAPABILITIES;
  readonly #init: SlackAdapterInit;
  readonly #status: AdapterStatus;
  readonly httpEndpoint: ChannelHttpEndpoint | undefined;
  /** Where HTTP-mode events go while `run` receives; unset before and after. */
  #receiver: { ctx: AdapterContext; bot: SlackBotIdentity } | undefined;

  constructor(init: SlackAdapterInit) {
    this.#init = init;
    this.accountId = init.accountId;
    this.#status = {
      state: "starting",
      reconnectAttempts: 0,
      mode: init.credentials.mode,
      tokenSource: init.credentials.botTokenSource,
    };
    const signingSecret = init.credentials.signingSecret;
    this.httpEndpoint =
      init.credentials.mode === "http" && signingSecret
        ? {
            path: init.webhookPath.startsWith("/") ? init.webhookPath : `/${init.webhookPath}`,
            maxBodyBytes: MAX_EVENT_BODY_BYTES,
            handle: (req) =>
              answerSlackRequest(req, {
                signingSecret,
                nowMs: Date.now(),
                onEvent: (payload) => this.#onHttpEvent(payload),
              }),
          }
        : undefined;
  }

  status(): AdapterStatus {
    return { ...this.#status };
  }

  groupEntries(account: AccountConfig, msg: InboundMessage) {
    return slackGroupEntries(account, msg);
  }

  async run(ctx: AdapterContext, signal: AbortSignal): Promise<void> {
    const bot = await this.#identify(signal);
    if (!bot) return;
    if (this.httpEndpoint) return this.#receiveOverHttp(ctx, bot, signal);
    const appToken = this.#init.credentials.appToken ?? "";
    while (!signal.aborted) {
      try {
        const end = await runSocketOnce(
          {
            appToken,
            apiUrl: this.#init.apiUrl,
            callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
            log: this.#init.log,
            onConnected: () => this.#connected(),
            onEnvelope: (envelope) => this.#onEnvelope(envelope, ctx, bot),
          },
          signal,
        );
        if (end.type === "stopped") break;
        this.#status.state = "reconnecting";
        if (end.type === "disconnect" && REFRESH_REASONS.has(end.reason)) {
          this.#init.log.info("Slack asked for a new Socket Mode connection", {
            accountId: this.accountId,
            reason: end.reason,
          });
          continue;
        }
        const what =
          end.type === "disconnect"
            ? `Slack closed the Socket Mode connection (${end.reason})`
            : "the Socket Mode connection closed";
        await this.#backOff(what, undefined, signal);
      } catch (err) {
        if (signal.aborted) break;
        if (isSlackAuthError(err)) throw this.#authFailed("app token", err);
        await this.#backOff("cannot open a Socket Mode connection", err, signal);
      }
    }
    this.#status.state = "stopped";
  }

  async send(to: OutboundTarget, part: OutboundPart, signal: AbortSignal): Promise<SentRef> {
    signal.throwIfAborted();
    if (part.type === "media") return { messageId: await uploadSlackFile(this.#init.web, to, part, signal) };
    const sent = await this.#init.web.call(
      "chat.postMessage",
      {
        channel: to.chatId,
        text: markdownToMrkdwn(part.text),
        // Slack quotes by threading: a reply to a message opens (or joins) its thread.
        thread_ts: to.threadId || to.replyTo || undefined,
      },
      Posted,
      signal,
    );
    return { messageId: sent.ts };
  }

  downloadMedia(media: InboundMediaRef, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    return downloadSlackFile(this.#init.credentials.botToken, media, maxBytes, signal);
  }

  /** `reactions.add` / `reactions.remove`, by the emoji's Slack name (needs `reactions:write`). */
  async react(
    to: OutboundTarget,
    messageId: string,
    emoji: string,
    remove: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const name = slackEmojiName(emoji);
    if (!name)
      throw new Error(`no Slack emoji name is known for ${emoji}; set ackReaction to a name like "eyes"`);
    const args = { channel: to.chatId, timestamp: messageId, name };
    await this.#init.web.call(remove ? "reactions.remove" : "reactions.add", args, Ok, signal);
  }

  /** `assistant.threads.setStatus`: only in a thread, and only with the `assistant:write` scope. */
  async sendTyping(to: OutboundTarget, signal: AbortSignal): Promise<void> {
    if (!to.threadId) throw new Error("Slack shows a typing status only inside a thread");
    await this.#init.web.call(
      "assistant.threads.setStatus",
      { channel_id: to.chatId, thread_ts: to.threadId, status: "is typing..." },
      Ok,
      signal,
    );
  }

  /** HTTP mode: Slack's requests arrive through `httpEndpoint` until stopped. */
  async #receiveOverHttp(ctx: AdapterContext, bot: SlackBotIdentity, signal: AbortSignal): Promise<void> {
    this.#receiver = { ctx, bot };
    this.#connected();
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.#receiver = undefined;
    this.#status.state = "stopped";
  }

  /** Records the message of one Events API request; `false` (Slack retries) when it cannot. */
  async #onHttpEvent(payload: unknown): Promise<boolean> {
    const receiver = this.#receiver;
    if (!receiver) return false;
    const msg = translateEvent(payload, receiver.bot, this.accountId, { allowBots: this.#init.allowBots });
    if (!msg) return true;
    try {
      await receiver.ctx.receive([msg]);
      return true;
    } catch (err) {
      this.#status.lastError = `cannot record an inbound message: ${errorMessage(err)}`;
      this.#init.log.warn("cannot record an inbound Slack event; Slack will send it again", {
        accountId: this.accountId,
        err,
      });
      return false;
    }
  }

  async probe(signal: AbortSignal): Promise<{ id: string; username?: string | undefined }> {
    const me = await this.#init.web.call("auth.test", {}, AuthTest, signal);
    return { id: me.user_id, username: me.user };
  }

  /** `auth.test` until it answers; `undefined` when stopped first. Throws ChannelAuthError on a bad token. */
  async #identify(signal: AbortSignal): Promise<SlackBotIdentity | undefined> {
    while (!signal.aborted) {
      try {
        const me = await this.#init.web.call("auth.test", {}, AuthTest, signal);
        this.#status.bot = { id: me.user_id, ...(me.user ? { username: me.user } : {}) };
        this.#init.log.info("slack bot identified", {
          accountId: this.accountId,
          user: me.user,
          team: me.team,
        });
        return { userId: me.user_id, name: me.user, botId: me.bot_id, teamId: me.team_id };
      } catch (err) {
        if (signal.aborted) break;
        if (isSlackAuthError(err)) throw this.#authFailed("bot token", err);
        await this.#backOff("auth.test failed", err, signal);
      }
    }
    return undefined;
  }

  /**
   * Records the message an envelope carries, then acknowledges the envelope (issue 8, "No silent
   * loss"): an envelope we could not record stays unacknowledged, and Slack sends it again with
   * `retry_attempt`; the inbox drops a second copy by its key. Never rejects.
   */
  async #onEnvelope(envelope: SocketEnvelope, ctx: AdapterContext, bot: SlackBotIdentity): Promise<void> {
    if (envelope.retryAttempt)
      this.#init.log.debug("Slack resent an envelope it saw no ack for", {
        accountId: this.accountId,
        envelopeId: envelope.envelopeId,
        retryAttempt: envelope.retryAttempt,
      });
    if (envelope.type === "events_api") {
      const msg = translateEvent(envelope.payload, bot, this.accountId, { allowBots: this.#init.allowBots });
      if (msg) {
        try {
          await ctx.receive([msg]);
        } catch (err) {
          this.#status.lastError = `cannot record an inbound message: ${errorMessage(err)}`;
          this.#init.log.warn(
            "cannot record an inbound Slack message; not acknowledged, Slack will resend it",
            {
              accountId: this.accountId,
              envelopeId: envelope.envelopeId,
              err,
            },
          );
          return;
        }
      }
    }
    // Slash commands and interactivity are not handled; acknowledged so Slack stops resending them.
    try {
      await envelope.ack();
    } catch (err) {
      this.#init.log.warn("cannot acknowledge a Slack envelope; Slack will resend it", {
        accountId: this.accountId,
        envelopeId: envelope.envelopeId,
        err,
      });
    }
  }

  #connected(): void {
    if (this.#status.state !== "connected") this.#status.lastConnectedAt = Date.now();
    this.#status.state = "connected";
    this.#status.reconnectAttempts = 0;
    const what = this.httpEndpoint ? "slack http mode receiving events" : "slack socket mode connected";
    this.#init.log.info(what, { accountId: this.accountId });
  }

  async #backOff(what: string, err: unknown, signal: AbortSignal): Promise<void> {
    this.#status.state = "reconnecting";
    this.#status.reconnectAttempts++;
    this.#status.lastError = err === undefined ? what : `${what}: ${errorMessage(err)}`;
    const delayMs = backoffDelayMs(this.#status.reconnectAttempts, { maxMs: 30_000 });
    this.#init.log.warn(what, {
      accountId: this.accountId,
      delayMs,
      attempt: this.#status.reconnectAttempts,
      ...(err === undefined ? {} : { err }),
    });
    await sleep(delayMs, signal).catch(() => undefined); // aborted: the caller's loop ends
  }

  #authFailed(which: string, err: unknown): ChannelAuthError {
    this.#status.state = "error";
    this.#status.lastError = `Slack rejected the ${which}: ${errorMessage(err)}`;
    return new ChannelAuthError(this.#status.lastError, { cause: err });
  }
}
