import { isIP } from "node:net";

/**
 * Which browser origins may open the gateway WebSocket (reference-gateway §2 item 2 and item 5,
 * SEC-20, advisory GHSA-jmmg-jqc7-5qf4). Any web page the user visits can open a WebSocket to
 * `ws://127.0.0.1:18789`; the `Origin` header is the only thing that tells our own Control UI from
 * a stranger's page, so it is checked before any credential is looked at.
 */
export interface OriginPolicyInput {
  /** The request's `Origin` header. */
  origin: string;
  /** The request's `Host` header: what the browser was asked to connect to. */
  host: string | undefined;
  /** `gateway.controlUi.allowedOrigins`; `"*"` allows every origin. */
  allowedOrigins?: readonly string[] | undefined;
  /** `gateway.controlUi.dangerouslyAllowHostHeaderOriginFallback`. */
  allowHostHeaderFallback?: boolean | undefined;
  /** The connection comes from this machine (loopback, not forwarded by a proxy). */
  isLocalClient: boolean;
}

export type OriginDecision = { ok: true } | { ok: false; origin: string };

export const ORIGIN_NOT_ALLOWED_MESSAGE =
  "origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)";

function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || (isIP(h) === 4 && h.startsWith("127."));
}

function parseOrigin(raw: string): URL | undefined {
  const trimmed = raw.trim();
  if (trimmed === "" || trimmed === "null") return undefined; // sandboxed frames, file:// pages
  try {
    const url = new URL(trimmed);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether a browser origin may talk to this gateway. Allowed are: the configured
 * `allowedOrigins`; the page this gateway served itself (origin host = `Host` header) when that
 * host is an IP literal or a loopback name; any other DNS name only through the explicit
 * host-header fallback, because a DNS-rebinding page (`http://evil.example:18789` resolved to
 * 127.0.0.1) sends a `Host` that matches its own origin; and, for a client on this machine, pages
 * on loopback origins (a local dev server of the Control UI, as OpenClaw allows).
 */
export function checkOrigin(input: OriginPolicyInput): OriginDecision {
  const url = parseOrigin(input.origin);
  if (!url) return { ok: false, origin: input.origin };
  const origin = url.origin.toLowerCase();
  const allowed = (input.allowedOrigins ?? []).map((o) => o.trim().replace(/\/+$/, "").toLowerCase());
  if (allowed.includes("*") || allowed.includes(origin)) return { ok: true };
  const host = input.host?.trim().toLowerCase();
  if (host && url.host === host) {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    if (isIP(hostname) !== 0 || isLoopbackHostname(hostname) || input.allowHostHeaderFallback)
      return { ok: true };
  }
  if (input.isLocalClient && isLoopbackHostname(url.hostname)) return { ok: true };
  return { ok: false, origin: input.origin };
}
