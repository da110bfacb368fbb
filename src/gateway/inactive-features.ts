import { isPlainObject } from "../config/includes.ts";

/**
 * Config sections this build accepts and keeps but does not act on yet; `status` lists the ones a
 * user has configured so nobody wonders why their Telegram bot is silent.
 */
const NOT_YET_ACTIVE = [
  "channels.discord",
  "channels.slack",
  "channels.whatsapp",
  "channels.signal",
  "channels.imessage",
  "channels.bluebubbles",
  "channels.googlechat",
  "channels.mattermost",
  "channels.msteams",
  "channels.irc",
  "channels.feishu",
  "channels.zalo",
  "channels.zalouser",
  "channels.matrix",
  "channels.line",
  "channels.nostr",
  "channels.nextcloud-talk",
  "channels.synology-chat",
  "channels.twitch",
  "bindings",
  "broadcast",
  "cron",
  "hooks",
  "memory",
  "skills",
  "plugins",
  "browser",
  "tools",
  "talk",
  "audio",
  "discovery",
  "canvasHost",
  "nodeHost",
  "approvals",
  "web",
  "agents.defaults.heartbeat",
  "agents.defaults.sandbox",
  "agents.defaults.memorySearch",
  "gateway.tls",
  "gateway.http",
  "gateway.auth.trustedProxy",
];

export function inactiveFeatures(source: Record<string, unknown>): string[] {
  return NOT_YET_ACTIVE.filter((p) => {
    let cur: unknown = source;
    for (const part of p.split(".")) {
      if (!isPlainObject(cur)) return false;
      cur = cur[part];
    }
    return cur !== undefined && !(isPlainObject(cur) && Object.keys(cur).length === 0);
  });
}
