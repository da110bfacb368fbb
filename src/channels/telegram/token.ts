import { readFile, stat } from "node:fs/promises";
import { expandHome } from "../../config/paths.ts";
import type { AccountConfig } from "../adapter.ts";

export type TokenSource = "config" | "tokenFile" | "env";

/** Raised when an account has no usable token: a config problem, shown in `channels status`. */
export class TelegramTokenError extends Error {
  override name = "TelegramTokenError";
}

/**
 * The bot token (reference-agent §5.2): `botToken` (literal or `{source:"env", id}`), then
 * `tokenFile` (a regular file), then `TELEGRAM_BOT_TOKEN` for the default account only.
 */
export async function resolveBotToken(
  config: AccountConfig,
  accountId: string,
  env: NodeJS.ProcessEnv,
): Promise<{ token: string; source: TokenSource }> {
  const botToken = config["botToken"];
  if (typeof botToken === "string" && botToken.trim()) return { token: botToken.trim(), source: "config" };
  if (botToken && typeof botToken === "object") {
    const ref = botToken as { source?: string; id?: string };
    const value = ref.source === "env" && ref.id ? env[ref.id] : undefined;
    if (value?.trim()) return { token: value.trim(), source: "env" };
    throw new TelegramTokenError(
      `channels.telegram.botToken: secret ${ref.source}:${ref.id} did not resolve`,
    );
  }
  const tokenFile = config["tokenFile"];
  if (typeof tokenFile === "string" && tokenFile.trim()) {
    const file = expandHome(tokenFile.trim(), env);
    if (!(await stat(file)).isFile()) throw new TelegramTokenError(`tokenFile ${file} is not a regular file`);
    const token = (await readFile(file, "utf8")).trim();
    if (!token) throw new TelegramTokenError(`tokenFile ${file} is empty`);
    return { token, source: "tokenFile" };
  }
  const fromEnv = accountId === "default" ? env["TELEGRAM_BOT_TOKEN"]?.trim() : undefined;
  if (fromEnv) return { token: fromEnv, source: "env" };
  throw new TelegramTokenError(
    `no bot token for account ${accountId}: set channels.telegram.botToken or tokenFile${accountId === "default" ? " (or TELEGRAM_BOT_TOKEN)" : ""}`,
  );
}
