import type { OpenClawConfig } from "../config/schema.ts";
import { type AuthRateLimiter, resolveRateLimitPolicy } from "./auth-rate-limit.ts";
import type { ConnectAuthOutcome, PeerInfo } from "./device-connect.ts";
import { checkOrigin, ORIGIN_NOT_ALLOWED_MESSAGE } from "./origin-policy.ts";

type GatewayConfig = OpenClawConfig["gateway"];
type Refusal = Extract<ConnectAuthOutcome, { ok: false }>;

const RATE_LIMITED_MESSAGE = "unauthorized: too many failed authentication attempts (retry later)";

/** Shared-secret failures that count towards the lockout: guesses, not a forgotten credential. */
const GUESS_CODES = new Set(["AUTH_TOKEN_MISMATCH", "AUTH_PASSWORD_MISMATCH", "AUTH_DEVICE_TOKEN_MISMATCH"]);

/**
 * Whether this peer's auth failures are counted. Loopback is exempt by default (a local script
 * retrying a stale token must not lock the user out), but never a browser: a web page the user
 * opens would otherwise brute-force the password through the user's own browser (reference §1,
 * GHSA-jmmg-jqc7-5qf4). Forwarded requests are never local, so never exempt.
 */
function isThrottled(peer: PeerInfo, gateway: GatewayConfig | undefined): boolean {
  const exemptLoopback = gateway?.auth?.rateLimit?.exemptLoopback ?? true;
  return !(exemptLoopback && peer.isLocal && !peer.origin);
}

/**
 * The checks of a `connect` that come before any credential is looked at: the browser origin
 * (reference §2 item 2, SEC-20), then the failed-auth lockout (SEC-6). `undefined` lets the
 * connect proceed to auth.
 */
export function admissionRefusal(input: {
  peer: PeerInfo;
  /** The upgrade request's `Host` header. */
  host: string | undefined;
  gateway: GatewayConfig | undefined;
  limiter: AuthRateLimiter;
  nowMs: number;
  /**
   * The request came through Tailscale Serve on this machine. Serve only answers for its own
   * `*.ts.net` name with its own certificate, so a page whose origin matches the Host header is
   * the page Serve served, not a DNS-rebinding one: the host-header match is safe here.
   */
  viaTailscaleServe?: boolean;
}): Refusal | undefined {
  const { peer, gateway } = input;
  if (peer.origin !== undefined) {
    const ui = gateway?.controlUi;
    const decision = checkOrigin({
      origin: peer.origin,
      host: input.host,
      allowedOrigins: ui?.allowedOrigins,
      allowHostHeaderFallback: ui?.dangerouslyAllowHostHeaderOriginFallback || input.viaTailscaleServe,
      isLocalClient: peer.isLocal,
    });
    if (!decision.ok) {
      return {
        ok: false,
        error: {
          code: "INVALID_REQUEST",
          message: ORIGIN_NOT_ALLOWED_MESSAGE,
          details: { code: "CONTROL_UI_ORIGIN_NOT_ALLOWED", origin: decision.origin },
        },
        closeReason: ORIGIN_NOT_ALLOWED_MESSAGE,
      };
    }
  }
  if (!isThrottled(peer, gateway)) return undefined;
  const check = input.limiter.check(
    peer.remoteAddress,
    resolveRateLimitPolicy(gateway?.auth?.rateLimit),
    input.nowMs,
  );
  if (check.allowed) return undefined;
  return {
    ok: false,
    error: {
      code: "INVALID_REQUEST",
      message: RATE_LIMITED_MESSAGE,
      details: { code: "AUTH_RATE_LIMITED", authReason: "rate_limited", retryAfterMs: check.retryAfterMs },
      retryable: true,
      retryAfterMs: check.retryAfterMs,
    },
    closeReason: RATE_LIMITED_MESSAGE,
  };
}

/**
 * Feeds a `connect`'s auth outcome to the lockout: a guessed secret counts against the address, a
 * success clears its record.
 */
export function recordAuthOutcome(input: {
  peer: PeerInfo;
  outcome: ConnectAuthOutcome;
  gateway: GatewayConfig | undefined;
  limiter: AuthRateLimiter;
  nowMs: number;
}): void {
  const { peer, outcome, gateway, limiter } = input;
  if (!isThrottled(peer, gateway)) return;
  if (outcome.ok) {
    limiter.reset(peer.remoteAddress);
    return;
  }
  const code = outcome.error.details?.["code"];
  if (typeof code === "string" && GUESS_CODES.has(code))
    limiter.recordFailure(peer.remoteAddress, resolveRateLimitPolicy(gateway?.auth?.rateLimit), input.nowMs);
}
