import type { Transformer } from "grammy/web";

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** A `retry_after` longer than this is not waited for: the call fails instead. */
  maxRetryAfterMs: number;
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
}

/** Long polls answer 429 too, but the poll loop has its own backoff. */
const NOT_RETRIED = new Set(["getUpdates"]);

/**
 * A grammY API transformer (`api.config.use`) that retries calls Telegram asks us to retry:
 * 429 after `parameters.retry_after` seconds, 5xx after a short capped backoff (issue 8,
 * "No silent loss"). Other answers pass through unchanged.
 */
export function retryTransformer(opts: RetryOptions): Transformer {
  return async (prev, method, payload, signal) => {
    // The adapter passes native signals; grammY's typings name its polyfill's type.
    const wait = signal as unknown as AbortSignal | undefined;
    for (let attempt = 1; ; attempt++) {
      const res = await prev(method, payload, signal);
      if (res.ok || NOT_RETRIED.has(method) || attempt >= opts.maxAttempts) return res;
      const retryAfterMs = (res.parameters?.retry_after ?? 0) * 1000;
      if (res.error_code === 429 && retryAfterMs <= opts.maxRetryAfterMs) {
        await opts.sleep(Math.max(retryAfterMs, 1000), wait);
      } else if (res.error_code >= 500) {
        await opts.sleep(Math.min(500 * 2 ** (attempt - 1), 5000), wait);
      } else {
        return res;
      }
    }
  };
}
