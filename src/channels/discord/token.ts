import type { AccountConfig } from "../adapter.ts";

export type TokenSource = "config" | "env";

/** Raised when an account has no usable token: a config problem, shown in `channels status`. */
export class DiscordTokenError extends Error {
  override name = "DiscordTokenError";
}

/**
 * The bot token (reference-agent §5.3): `token` (literal or `{source:"env", id}`), then
 * `DISCORD_BOT_TOKEN` for the default account only (§5.1: env fallbacks never reach named
 * accounts). A pasted `Bot ` prefix is dropped: the REST client adds its own.
 */
export function resolveDiscordToken(
  config: AccountConfig,
  accountId: string,
  env: NodeJS.ProcessEnv,
): { token: string; source: TokenSource } {
  const token = config["token"];
  if (typeof token === "string" && token.trim()) return { token: bare(token), source: "config" };
  if (token && typeof token === "object") {
    const ref = token as { source?: string; id?: string };
    const value = ref.source === "env" && ref.id ? env[ref.id] : undefined;
    if (value?.trim()) return { token: bare(value), source: "env" };
    throw new DiscordTokenError(`channels.discord.token: secret ${ref.source}:${ref.id} did not resolve`);
  }
  const fromEnv = accountId === "default" ? env["DISCORD_BOT_TOKEN"]?.trim() : undefined;
  if (fromEnv) return { token: bare(fromEnv), source: "env" };
  throw new DiscordTokenError(
    `no bot token for account ${accountId}: set channels.discord.token${accountId === "default" ? " (or DISCORD_BOT_TOKEN)" : ""}`,
  );
}

function bare(token: string): string {
  return token.trim().replace(/^Bot\s+/i, "");
}

/** Where the REST API lives: the root without version, and the version the REST client appends. */
export interface ApiEndpoint {
  api: string;
  version: string;
}

const DEFAULT_ENDPOINT: ApiEndpoint = { api: "https://discord.com/api", version: "10" };

/**
 * `apiBaseUrl` (account or channel level; the REST root without version, e.g.
 * `https://discord.com/api`), else env `DISCORD_API_URL` (the versioned base, e.g.
 * `https://discord.com/api/v10`), else Discord itself. The gateway WebSocket URL is not configured
 * here: it comes from the `GET /gateway/bot` answer, as Discord asks clients to do.
 */
export function resolveApiEndpoint(config: AccountConfig, env: NodeJS.ProcessEnv): ApiEndpoint {
  const configured = config["apiBaseUrl"];
  if (typeof configured === "string" && configured.trim())
    return { api: configured.trim().replace(/\/+$/, ""), version: DEFAULT_ENDPOINT.version };
  const fromEnv = env["DISCORD_API_URL"]?.trim().replace(/\/+$/, "");
  if (fromEnv) {
    const m = /^(.*)\/v(\d+)$/.exec(fromEnv);
    return m ? { api: m[1]!, version: m[2]! } : { api: fromEnv, version: DEFAULT_ENDPOINT.version };
  }
  return DEFAULT_ENDPOINT;
}
