import type { AccountConfig } from "../adapter.ts";

export type SlackSecretSource = "config" | "env";
export type SlackMode = "socket" | "http";

/** Raised when an account lacks a credential its mode needs: a config problem, shown in `channels status`. */
export class SlackTokenError extends Error {
  override name = "SlackTokenError";
}

export interface SlackCredentials {
  mode: SlackMode;
  botToken: string;
  botTokenSource: SlackSecretSource;
  /** Socket Mode only: the app-level token (`xapp-…`) that opens the WebSocket. */
  appToken?: string;
  appTokenSource?: SlackSecretSource;
  /** HTTP mode only: verifies Slack's request signatures. */
  signingSecret?: string;
}

/** Env fallbacks of the default account (reference-agent §5.4). */
const ENV_NAMES = { botToken: "SLACK_BOT_TOKEN", appToken: "SLACK_APP_TOKEN" } as const;

/**
 * A literal or `{source:"env", id}` value of `key`; `undefined` when the key is unset. Throws when
 * a reference does not resolve, so a typo never silently falls back to another token.
 */
function secretOf(
  config: AccountConfig,
  key: string,
  env: NodeJS.ProcessEnv,
): { value: string; source: SlackSecretSource } | undefined {
  const raw = config[key];
  if (typeof raw === "string") return raw.trim() ? { value: raw.trim(), source: "config" } : undefined;
  if (raw && typeof raw === "object") {
    const ref = raw as { source?: string; id?: string };
    const value = ref.source === "env" && ref.id ? env[ref.id]?.trim() : undefined;
    if (value) return { value, source: "env" };
    throw new SlackTokenError(`channels.slack.${key}: secret ${ref.source}:${ref.id} did not resolve`);
  }
  return undefined;
}

function envFallback(
  name: keyof typeof ENV_NAMES,
  accountId: string,
  env: NodeJS.ProcessEnv,
): { value: string; source: SlackSecretSource } | undefined {
  // Env fallbacks apply only to the default account (reference-agent §5.1).
  const value = accountId === "default" ? env[ENV_NAMES[name]]?.trim() : undefined;
  return value ? { value, source: "env" } : undefined;
}

/**
 * The credentials of one Slack account (reference-agent §5.4): Socket Mode (the default) needs
 * `botToken` and `appToken`, HTTP mode `botToken` and `signingSecret`. `SLACK_BOT_TOKEN` and
 * `SLACK_APP_TOKEN` fill in for the default account only. Throws `SlackTokenError` when one is missing.
 */
export function resolveSlackCredentials(
  config: AccountConfig,
  accountId: string,
  env: NodeJS.ProcessEnv,
): SlackCredentials {
  const mode: SlackMode = config["mode"] === "http" ? "http" : "socket";
  const hint = accountId === "default" ? " (or SLACK_BOT_TOKEN)" : "";
  const bot = secretOf(config, "botToken", env) ?? envFallback("botToken", accountId, env);
  if (!bot)
    throw new SlackTokenError(`no bot token for account ${accountId}: set channels.slack.botToken${hint}`);
  if (mode === "http") {
    const secret = secretOf(config, "signingSecret", env);
    if (!secret)
      throw new SlackTokenError(`account ${accountId} uses mode "http": set channels.slack.signingSecret`);
    return { mode, botToken: bot.value, botTokenSource: bot.source, signingSecret: secret.value };
  }
  const app = secretOf(config, "appToken", env) ?? envFallback("appToken", accountId, env);
  if (!app)
    throw new SlackTokenError(
      `account ${accountId} uses Socket Mode: set channels.slack.appToken${accountId === "default" ? " (or SLACK_APP_TOKEN)" : ""}`,
    );
  return {
    mode,
    botToken: bot.value,
    botTokenSource: bot.source,
    appToken: app.value,
    appTokenSource: app.source,
  };
}

/**
 * The Web API root (Bolt's `slackApiUrl`): `apiUrl` of the account or channel, then `SLACK_API_URL`,
 * else Slack's own. Always ends with `/`, as the Web API client appends method names to it.
 */
export function resolveApiUrl(config: AccountConfig, env: NodeJS.ProcessEnv): string | undefined {
  const raw = typeof config["apiUrl"] === "string" ? config["apiUrl"] : env["SLACK_API_URL"];
  const url = raw?.trim();
  if (!url) return undefined;
  return url.endsWith("/") ? url : `${url}/`;
}
