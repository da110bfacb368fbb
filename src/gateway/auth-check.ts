import { createHash, timingSafeEqual } from "node:crypto";
import type { ConnectParams } from "../protocol/frames.ts";
import type { GatewayAuth } from "./runtime-config.ts";

export type AuthDecision =
  | { ok: true; method: "none" | "token" | "password" }
  | { ok: false; code: string; reason: string; message: string };

/** Compares secrets in constant time (hashing first so lengths never leak through timing). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

function hintFor(params: ConnectParams, kind: "token" | "password"): string {
  if (params.client.mode === "cli" || params.client.id === "cli") {
    return kind === "token"
      ? "set gateway.remote.token to match gateway.auth.token"
      : "set gateway.remote.password to match gateway.auth.password";
  }
  if (
    params.client.mode === "webchat" ||
    params.client.id === "openclaw-control-ui" ||
    params.client.id === "webchat-ui"
  ) {
    return kind === "token"
      ? "open the link printed by the gateway, or paste the gateway token in the Control UI settings"
      : "enter the gateway password in the Control UI settings";
  }
  return kind === "token"
    ? "pass the gateway token in connect.params.auth.token"
    : "pass the gateway password in connect.params.auth.password";
}

/** Shared-secret check of a `connect` (reference-gateway §2 item 6); device tokens come later. */
export function checkSharedAuth(auth: GatewayAuth, params: ConnectParams): AuthDecision {
  if (auth.mode === "none") return { ok: true, method: "none" };
  if (auth.mode === "password") {
    const given = params.auth?.password;
    if (!given)
      return {
        ok: false,
        code: "AUTH_PASSWORD_MISSING",
        reason: "password_missing",
        message: `unauthorized: gateway password missing (${hintFor(params, "password")})`,
      };
    if (!auth.password || !secretsEqual(given, auth.password)) {
      return {
        ok: false,
        code: "AUTH_PASSWORD_MISMATCH",
        reason: "password_mismatch",
        message: `unauthorized: gateway password mismatch (${hintFor(params, "password")})`,
      };
    }
    return { ok: true, method: "password" };
  }
  const given = params.auth?.token;
  if (!given)
    return {
      ok: false,
      code: "AUTH_TOKEN_MISSING",
      reason: "token_missing",
      message: `unauthorized: gateway token missing (${hintFor(params, "token")})`,
    };
  if (!auth.token || !secretsEqual(given, auth.token)) {
    return {
      ok: false,
      code: "AUTH_TOKEN_MISMATCH",
      reason: "token_mismatch",
      message: `unauthorized: gateway token mismatch (${hintFor(params, "token")})`,
    };
  }
  return { ok: true, method: "token" };
}
