/** Slack answered a Web API call with `{ok:false, error}`: the platform said no. */
export class SlackApiError extends Error {
  override name = "SlackApiError";
  readonly method: string;
  /** Slack's error code (`invalid_auth`, `channel_not_found`, `ratelimited`…). */
  readonly error: string;

  constructor(method: string, error: string, opts: { cause?: unknown } = {}) {
    super(`${method} failed: ${error}`, opts);
    this.method = method;
    this.error = error;
  }
}

/** No usable answer: the request failed, or an HTTP status or body that is not a Web API answer. */
export class SlackHttpError extends Error {
  override name = "SlackHttpError";
  readonly method: string;
  /** The HTTP status, when Slack answered at all. */
  readonly status: number | undefined;

  constructor(method: string, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(`${method}: ${message}`, { cause: opts.cause });
    this.method = method;
    this.status = opts.status;
  }
}

/** Web API errors that mean the token is wrong or dead: retrying cannot help. */
const AUTH_ERRORS = new Set([
  "not_authed",
  "invalid_auth",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "user_removed_from_team",
  "team_disabled",
  "not_allowed_token_type",
]);

/** A Web API `{ok:false, error}` answer naming a dead or wrong token. */
export function isSlackAuthError(err: unknown): boolean {
  return err instanceof SlackApiError && AUTH_ERRORS.has(err.error);
}
