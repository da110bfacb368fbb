import type { LogLevel, Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "../../infra/logger.ts";

/**
 * The Slack SDKs' logger interface over ours. Their debug lines carry raw payloads (message text,
 * WebSocket URLs with their ticket), so they are dropped. The rest is debug to us: the adapter
 * reports each failure once, with its account and next delay, and the SDKs would repeat it without
 * either (a dropped socket otherwise logs three warnings).
 */
export function sdkLogger(log: Logger): SlackLogger {
  const text = (parts: unknown[]): string =>
    parts.map((p) => (typeof p === "string" ? p : String(p))).join(" ");
  return {
    debug: () => undefined,
    info: (...parts: unknown[]) => log.debug(text(parts)),
    warn: (...parts: unknown[]) => log.debug(text(parts)),
    error: (...parts: unknown[]) => log.debug(text(parts)),
    setLevel: () => undefined,
    // "info": the SDKs build their debug strings only when asked for debug.
    getLevel: () => "info" as LogLevel,
    setName: () => undefined,
  };
}
