import { REST, type RESTOptions } from "discord.js";
import type { ApiEndpoint } from "./token.ts";

export interface RateLimitNotice {
  method: string;
  route: string;
  /** The wait Discord asked for (`Retry-After`, or the bucket's reset), which the client now sleeps. */
  retryAfterMs: number;
  global: boolean;
}

export interface DiscordRestInput {
  endpoint: ApiEndpoint;
  /** Per-request timeout; Discord answers in well under a second when healthy. */
  timeoutMs: number;
  /** Retries of 5xx answers and network failures (config `retry.attempts`, default 3). */
  retries: number;
  /** A rate limit longer than this fails the call instead of holding the reply back for it. */
  maxRetryAfterMs: number;
  onRateLimited(notice: RateLimitNotice): void;
}

/**
 * REST options shared by our own client (sends, typing, lookups) and discord.js's (`/gateway/bot`).
 * discord.js's REST client handles 429 itself: it waits the `Retry-After` Discord sent and retries,
 * keeping per-bucket state from the `X-RateLimit-*` headers. `offset: 0` makes that wait exactly the
 * one asked for (its default pads 50 ms). Its `rejectOnRateLimit` hook is where we see each wait,
 * and where one beyond `maxRetryAfterMs` becomes a `RateLimitError` instead of a sleep.
 */
export function discordRestOptions(input: DiscordRestInput): Partial<RESTOptions> {
  return {
    api: input.endpoint.api,
    version: input.endpoint.version,
    timeout: input.timeoutMs,
    retries: input.retries,
    offset: 0,
    rejectOnRateLimit: (data) => {
      input.onRateLimited({
        method: data.method,
        route: data.route,
        retryAfterMs: data.retryAfter,
        global: data.global,
      });
      return data.retryAfter > input.maxRetryAfterMs;
    },
  };
}

export function createDiscordRest(input: DiscordRestInput, token: string): REST {
  return new REST(discordRestOptions(input)).setToken(token);
}
