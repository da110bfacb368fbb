// Telegram's webhook mode (reference-agent §5.2: `webhookUrl`, `webhookSecret`, `webhookPath`).
// Telegram POSTs each Update as JSON to the registered URL with the secret in
// `X-Telegram-Bot-Api-Secret-Token` (core.telegram.org/bots/api#setwebhook); the public URL is
// usually a reverse proxy in front of `webhookPath` on the gateway port. Any answer other than
// 2xx makes Telegram deliver the update again, so 200 goes out only once it is recorded.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Update } from "grammy/types";
import type { AccountConfig } from "../adapter.ts";
import { type ChannelHttpReply, type ChannelHttpRequest, headerValue, textReply } from "../http-endpoint.ts";
import { TelegramTokenError } from "./token.ts";

export const DEFAULT_WEBHOOK_PATH = "/telegram-webhook";
/** One Update is small; a message with a long caption and entities stays far below this. */
export const MAX_UPDATE_BODY_BYTES = 1024 * 1024;
/** Telegram's rule for `secret_token`: 1–256 of `A-Z a-z 0-9 _ -`. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;

export interface WebhookSettings {
  url: string;
  secret: string;
  path: string;
}

/**
 * The webhook settings of an account, or `undefined` for long polling (no `webhookUrl`). Throws
 * `TelegramTokenError` (a config problem shown in `channels status`) when the URL comes without
 * a usable secret: an endpoint anyone could post updates to is never served.
 */
export function resolveWebhookSettings(
  config: AccountConfig,
  accountId: string,
  env: NodeJS.ProcessEnv,
): WebhookSettings | undefined {
  const url = typeof config["webhookUrl"] === "string" ? config["webhookUrl"].trim() : "";
  if (!url) return undefined;
  const secret = secretValue(config["webhookSecret"], env);
  if (!secret)
    throw new TelegramTokenError(
      `account ${accountId} sets webhookUrl: set channels.telegram.webhookSecret too`,
    );
  if (!SECRET_SHAPE.test(secret))
    throw new TelegramTokenError(
      "channels.telegram.webhookSecret: Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -",
    );
  const configured = typeof config["webhookPath"] === "string" ? config["webhookPath"].trim() : "";
  // Accounts share the gateway port, so a named account without its own path gets one of its own.
  const fallback = accountId === "default" ? DEFAULT_WEBHOOK_PATH : `${DEFAULT_WEBHOOK_PATH}/${accountId}`;
  const path = configured ? (configured.startsWith("/") ? configured : `/${configured}`) : fallback;
  return { url, secret, path };
}

function secretValue(raw: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof raw === "string") return raw.trim() || undefined;
  if (raw && typeof raw === "object") {
    const ref = raw as { source?: string; id?: string };
    const value = ref.source === "env" && ref.id ? env[ref.id]?.trim() : undefined;
    if (value) return value;
    throw new TelegramTokenError(
      `channels.telegram.webhookSecret: secret ${ref.source}:${ref.id} did not resolve`,
    );
  }
  return undefined;
}

/** Compares digests, so neither the length nor the content of the secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface WebhookAnswerOptions {
  secret: string;
  /** Records the update; `false` when it could not (not receiving yet, or the disk refused). */
  onUpdate(update: Update): Promise<boolean>;
}

/** Answers one POST to the webhook path. Pure apart from `onUpdate`; never throws for a bad request. */
export async function answerTelegramWebhook(
  req: ChannelHttpRequest,
  opts: WebhookAnswerOptions,
): Promise<ChannelHttpReply> {
  if (req.method !== "POST") return textReply(405, "Method Not Allowed");
  const given = headerValue(req, "x-telegram-bot-api-secret-token");
  if (given === undefined || !sameSecret(given, opts.secret)) return textReply(401, "Unauthorized");
  let update: unknown;
  try {
    update = JSON.parse(req.body);
  } catch (err) {
    if (err instanceof SyntaxError) return textReply(400, "invalid JSON");
    throw err;
  }
  if (typeof update !== "object" || update === null || typeof (update as Update).update_id !== "number")
    return textReply(400, "not a Telegram Update");
  // Not recorded: a 5xx, so Telegram delivers the update again (the inbox drops a second copy).
  return (await opts.onUpdate(update as Update))
    ? textReply(200, "")
    : textReply(503, "update not recorded; retry");
}
