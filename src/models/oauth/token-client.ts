import { z } from "zod";

/** The token endpoint answered with an error (RFC 6749 §5.2 body: `error`, `error_description`). */
export class OAuthTokenError extends Error {
  override name = "OAuthTokenError";
  readonly status: number;
  /** The RFC 6749 error code, e.g. `invalid_grant`; undefined when the body was not an OAuth error. */
  readonly code: string | undefined;

  constructor(status: number, code: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** We never got an answer from the token endpoint (network, timeout, not JSON). */
export class OAuthUnreachableError extends Error {
  override name = "OAuthUnreachableError";
}

/** Grant errors after which only a new sign-in helps (RFC 6749 §5.2). */
const PERMANENT = new Set([
  "invalid_grant",
  "invalid_client",
  "unauthorized_client",
  "unsupported_grant_type",
]);

/** Whether a failed token request will keep failing until the user signs in again. */
export function isPermanentOAuthError(err: unknown): boolean {
  return err instanceof OAuthTokenError && err.code !== undefined && PERMANENT.has(err.code);
}

export interface TokenSet {
  access: string;
  /** Absent when the provider keeps the old refresh token (Google does not rotate them). */
  refresh?: string;
  /** Epoch ms. */
  expires: number;
  idToken?: string;
}

const TokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
  id_token: z.string().optional(),
  token_type: z.string().optional(),
});

const ErrorBody = z.looseObject({ error: z.string(), error_description: z.string().optional() });

/** Bounds one token request; refreshes run while other turns wait on the auth-store lock. */
export const TOKEN_TIMEOUT_MS = 8_000;
/** Used when a provider omits `expires_in` (RFC 6749 says it is only RECOMMENDED). */
const DEFAULT_LIFETIME_S = 3600;

/**
 * POSTs a form to a token endpoint (RFC 6749 §4.1.3 code exchange, §6 refresh) and returns the
 * tokens. Throws `OAuthTokenError` when the server refuses, `OAuthUnreachableError` when it
 * cannot be reached or its answer is not a token response.
 */
export async function requestToken(
  tokenUrl: string,
  params: Record<string, string>,
  opts: { signal: AbortSignal; now: () => number; timeoutMs?: number },
): Promise<TokenSet> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(params),
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? TOKEN_TIMEOUT_MS)]),
    });
    text = await res.text();
  } catch (err) {
    throw new OAuthUnreachableError(`token endpoint unreachable (${describeFetchError(err)})`, {
      cause: err,
    });
  }
  const body = parseJson(text);
  if (!res.ok) {
    const e = ErrorBody.safeParse(body);
    if (e.success) {
      throw new OAuthTokenError(
        res.status,
        e.data.error,
        e.data.error_description ? `${e.data.error}: ${e.data.error_description}` : e.data.error,
      );
    }
    throw new OAuthTokenError(
      res.status,
      undefined,
      `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
    );
  }
  const parsed = TokenResponse.safeParse(body);
  if (!parsed.success) throw new OAuthUnreachableError("token endpoint answered without an access_token");
  const t = parsed.data;
  return {
    access: t.access_token,
    ...(t.refresh_token ? { refresh: t.refresh_token } : {}),
    expires: opts.now() + (t.expires_in ?? DEFAULT_LIFETIME_S) * 1000,
    ...(t.id_token ? { idToken: t.id_token } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return "timed out";
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
