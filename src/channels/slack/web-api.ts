// The few Slack Web API methods the adapter calls, over `fetch` (docs.slack.dev, "Using the Slack
// Web API"): POST to `<api root><method>`, token as `Authorization: Bearer`, arguments
// form-urlencoded (every method takes that encoding; structured arguments such as
// `files.completeUploadExternal`'s `files` go as JSON strings). Slack answers HTTP 200 with
// `{ok:true,…}` or `{ok:false,error}`, and HTTP 429 with `Retry-After` when rate limited.
import { setTimeout as sleepFor } from "node:timers/promises";
import { z } from "zod";
import type { Logger } from "../../infra/logger.ts";
import { SlackApiError, SlackHttpError } from "./errors.ts";

export const SLACK_API_URL = "https://slack.com/api/";

export interface SlackWebOptions {
  token: string;
  /** The Web API root, ending with `/` (the endpoint override); Slack's own when unset. */
  apiUrl?: string | undefined;
  /** Per attempt: Slack answers in well under a second when healthy. */
  timeoutMs: number;
  /** Further attempts after a 429, a 5xx or a failed connection. */
  retries: number;
  log: Logger;
}

/** A 429's wait is capped: a longer one would hold a reply back past any use. */
const MAX_RETRY_AFTER_MS = 60_000;
/** Backoff between attempts after a 5xx or a failed connection: 0.5 s, 1 s, 2 s … up to 10 s. */
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 10_000;

const Answer = z.looseObject({ ok: z.boolean(), error: z.string().optional() });

export type SlackArgs = Record<string, string | number | boolean | object | undefined>;

function formBody(args: SlackArgs): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    form.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  return form;
}

/** `Retry-After` in seconds (Slack never sends an HTTP date); 1 s when missing or unreadable. */
export function retryAfterMs(header: string | null): number {
  // `Number(null)` and `Number("")` are 0: a missing header must not mean "retry at once".
  const seconds = header === null || header.trim() === "" ? Number.NaN : Number(header);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

export function retryBackoffMs(attempt: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
}

/** What one attempt came to: an answer, or a reason to try again. */
type Attempt =
  | { type: "answer"; body: unknown }
  /** `retryAfterMs`: the wait Slack asked for; otherwise our own backoff. */
  | { type: "retry"; retryAfterMs?: number; error: Error };

export class SlackWebClient {
  readonly #opts: SlackWebOptions;
  readonly #root: string;

  constructor(opts: SlackWebOptions) {
    this.#opts = opts;
    this.#root = opts.apiUrl ?? SLACK_API_URL;
  }

  /**
   * Calls `method` and returns its answer parsed by `schema`. Throws `SlackApiError` for
   * `{ok:false}`, `SlackHttpError` when no usable answer came after the retries, and the signal's
   * reason when `signal` aborts.
   */
  async call<S extends z.ZodType>(
    method: string,
    args: SlackArgs,
    schema: S,
    signal: AbortSignal,
  ): Promise<z.infer<S>> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(method, args, signal);
      if (outcome.type === "answer") {
        const answer = Answer.safeParse(outcome.body);
        if (!answer.success) throw new SlackHttpError(method, "the answer is not a Web API answer");
        if (!answer.data.ok) throw new SlackApiError(method, answer.data.error ?? "unknown_error");
        const parsed = schema.safeParse(outcome.body);
        if (!parsed.success)
          throw new SlackHttpError(method, `unexpected answer: ${z.prettifyError(parsed.error)}`);
        return parsed.data;
      }
      if (attempt > this.#opts.retries) throw outcome.error;
      const delayMs = outcome.retryAfterMs ?? retryBackoffMs(attempt);
      this.#opts.log.debug("slack web api call retried", {
        method,
        attempt,
        delayMs,
        reason: outcome.error.message,
      });
      await sleepFor(delayMs, undefined, { signal });
    }
  }

  async #attempt(method: string, args: SlackArgs, signal: AbortSignal): Promise<Attempt> {
    signal.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.#root}${method}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#opts.token}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: formBody(args),
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // A request that timed out may have been carried out (a message posted): never sent twice.
      if (timeout.aborted)
        throw new SlackHttpError(method, `no answer within ${this.#opts.timeoutMs} ms`, { cause: err });
      return {
        type: "retry",
        error: new SlackHttpError(method, `cannot reach Slack: ${errorText(err)}`, { cause: err }),
      };
    }
    if (res.status === 429)
      return {
        type: "retry",
        retryAfterMs: retryAfterMs(res.headers.get("retry-after")),
        error: new SlackApiError(method, "ratelimited"),
      };
    if (res.status >= 500)
      return {
        type: "retry",
        error: new SlackHttpError(method, `HTTP ${res.status}`, { status: res.status }),
      };
    try {
      return { type: "answer", body: JSON.parse(text) };
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      throw new SlackHttpError(method, `HTTP ${res.status} without a JSON answer`, { status: res.status });
    }
  }
}

function errorText(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  return err instanceof Error ? err.message : String(err);
}
