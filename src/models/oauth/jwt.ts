/**
 * Reads claims from a JWT without verifying it: the token came straight from the provider's token
 * endpoint over TLS, and we only need our own account id and email out of it. Pure.
 */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return payload && typeof payload === "object" && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** ChatGPT puts account details under these namespaced claims of the Codex access token. */
const CODEX_AUTH_CLAIM = "https://api.openai.com/auth";
const CODEX_PROFILE_CLAIM = "https://api.openai.com/profile";

function claimObject(payload: Record<string, unknown> | undefined, key: string): Record<string, unknown> {
  const v = payload?.[key];
  return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

/**
 * The ChatGPT account id the Codex backend expects in `chatgpt-account-id`: the access token's
 * `https://api.openai.com/auth`.`chatgpt_account_id` claim (reference-agent §6.7).
 */
export function codexAccountId(accessToken: string): string | undefined {
  return nonEmpty(claimObject(decodeJwtPayload(accessToken), CODEX_AUTH_CLAIM)["chatgpt_account_id"]);
}

/** The signed-in email: an id token's `email`, or the Codex access token's profile claim. */
export function jwtEmail(token: string): string | undefined {
  const payload = decodeJwtPayload(token);
  return nonEmpty(payload?.["email"]) ?? nonEmpty(claimObject(payload, CODEX_PROFILE_CLAIM)["email"]);
}
