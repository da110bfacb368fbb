import type * as DiscordRest from "@discordjs/rest";
import type { REST, RESTOptions } from "@discordjs/rest";
import type { ApiEndpoint } from "./token.ts";

/**
 * @discordjs/rest ships two builds of the same source: the one its `exports` give Node sends
 * through its own undici 6 (a second HTTP stack next to the fetch everything else uses; about
 * 5 MB of the gateway's idle RSS with Discord connected), the other (`web.mjs`, for runtimes with
 * `fetch`, `FormData` and `Blob`) sends through the `fetch` Node already has. Same classes, options
 * and rate-limit handling; we load the second. The package is pinned, so the file is where this
 * expects it, and a layout change fails the channel's load, not a send.
 * Everything the adapter needs from the package at run time comes from here, so only this build
 * is ever loaded.
 */
const restModule = (await import(
  new URL("web.mjs", import.meta.resolve("@discordjs/rest")).href
)) as typeof DiscordRest;

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
 * Options of the one REST client an account uses for sends, typing, lookups and the gateway's
 * `GET /gateway/bot`. @discordjs/rest handles 429 itself: it waits the `Retry-After` Discord sent and retries,
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
  return new restModule.REST(discordRestOptions(input)).setToken(token);
}

/** Discord answered 401: the token is wrong or was reset. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof restModule.DiscordAPIError && err.status === 401;
}
