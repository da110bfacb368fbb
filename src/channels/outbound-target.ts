import type { ChannelId, OutboundTarget } from "./adapter.ts";

/** A delivery target the channel cannot address; the message says what it accepts. */
export class OutboundTargetError extends Error {
  override name = "OutboundTargetError";
}

/** Prefixes naming the channel itself (`telegram:123`, `tg:123`), as `allowFrom` entries take them. */
const CHANNEL_PREFIXES: Record<ChannelId, readonly string[]> = {
  telegram: ["telegram:", "tg:"],
  discord: ["discord:"],
  slack: ["slack:"],
};

function stripPrefix(value: string, prefixes: readonly string[]): string {
  const lower = value.toLowerCase();
  const hit = prefixes.find((p) => lower.startsWith(p));
  return hit ? value.slice(hit.length) : value;
}

/**
 * The chat a user-written `--target` names (reference-gateway §6 `message send`; reference-agent
 * §5.2–§5.4). Pure; throws `OutboundTargetError` for a target the channel cannot address.
 * - Telegram: a chat id (`123456789`, `-1001234567890`) or a public `@username`; a forum topic as
 *   `<chatId>:topic:<threadId>`.
 * - Discord: `channel:<id>`; bare numeric ids are refused (reference-agent §5.3), and a user's DM
 *   needs its DM channel id.
 * - Slack: `channel:<id>`, `user:<id>` (the app's DM with that user), or a bare `C…`/`D…`/`G…`/`U…` id.
 * An explicit `threadId` wins over one in the target.
 */
export function parseOutboundTarget(channel: ChannelId, raw: string, threadId?: string): OutboundTarget {
  const value = stripPrefix(raw.trim(), CHANNEL_PREFIXES[channel]);
  const target = parseFor(channel, value, raw);
  const thread = threadId?.trim() || target.threadId;
  return { chatId: target.chatId, ...(thread ? { threadId: thread } : {}) };
}

function parseFor(channel: ChannelId, value: string, raw: string): OutboundTarget {
  switch (channel) {
    case "telegram": {
      const m = /^(-?\d+|@[A-Za-z0-9_]{4,})(?::topic:(\d+))?$/.exec(value);
      if (!m) throw new OutboundTargetError(`telegram target "${raw}": use a chat id or @username`);
      return { chatId: m[1]!, ...(m[2] ? { threadId: m[2] } : {}) };
    }
    case "discord": {
      const m = /^channel:(\d+)$/i.exec(value);
      if (m) return { chatId: m[1]! };
      if (/^user:\d+$/i.test(value))
        throw new OutboundTargetError(
          `discord target "${raw}": sending to a user is not supported yet; use channel:<id> of the DM channel`,
        );
      throw new OutboundTargetError(`discord target "${raw}": use channel:<id> (bare ids are ambiguous)`);
    }
    case "slack": {
      const m = /^(?:channel:|user:)?([CDGU][A-Z0-9]{2,})$/i.exec(value);
      if (!m) throw new OutboundTargetError(`slack target "${raw}": use channel:<id> or user:<id>`);
      return { chatId: m[1]!.toUpperCase() };
    }
  }
}
