import type { ChannelAdapter, ChatType, OutboundTarget } from "../channels/adapter.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Logger } from "../infra/logger.ts";
import { normalizeAgentId } from "../sessions/session-key.ts";

export type AckReactionScope = "group-mentions" | "group-all" | "direct" | "all";

const DEFAULT_ACK_EMOJI = "👀";

export interface AckFacts {
  chatType: ChatType;
  /** The bot was mentioned (or replied to), by the platform's marks or a mention pattern. */
  mentioned: boolean;
  agentId: string;
  /** `channels.<ch>.ackReaction`, the account's own value over the channel's. */
  accountAckReaction: string | undefined;
}

/**
 * The emoji that acknowledges an inbound message, or `undefined` for none (MED-8, reference-agent
 * §5.1): the account's `ackReaction`, then `messages.ackReaction`, then the agent's
 * `identity.emoji`, then 👀; `""` turns it off. `messages.ackReactionScope` says which messages get
 * one: `group-mentions` (default) only group messages that mention the bot, `group-all` every
 * group message, `direct` DMs, `all` everything. Pure.
 */
export function ackReactionFor(config: OpenClawConfig, facts: AckFacts): string | undefined {
  const scope: AckReactionScope = config.messages?.ackReactionScope ?? "group-mentions";
  const group = facts.chatType !== "direct";
  const inScope =
    scope === "all" ||
    (scope === "direct" && !group) ||
    (scope === "group-all" && group) ||
    (scope === "group-mentions" && group && facts.mentioned);
  if (!inScope) return undefined;
  const identity = config.agents?.list?.find((a) => normalizeAgentId(a.id) === facts.agentId)?.identity;
  const emoji = (
    facts.accountAckReaction ??
    config.messages?.ackReaction ??
    identity?.emoji ??
    DEFAULT_ACK_EMOJI
  ).trim();
  return emoji === "" ? undefined : emoji;
}

export interface Ack {
  /** Takes the reaction back (`messages.removeAckAfterReply`); never throws. */
  remove(): Promise<void>;
}

/**
 * Reacts to `messageId` with `emoji` in the background: the reaction never holds the message up,
 * and a failed one is only logged. A no-op without an emoji or on a platform without reactions.
 */
export function acknowledge(
  adapter: ChannelAdapter,
  to: OutboundTarget,
  messageId: string,
  emoji: string | undefined,
  log: Logger,
  signal: AbortSignal,
): Ack {
  const react = adapter.react?.bind(adapter);
  if (!react || emoji === undefined) return { remove: async () => undefined };
  const failed = (what: string) => (err: unknown) => {
    if (!signal.aborted) log.warn(what, { channel: adapter.channel, chatId: to.chatId, err });
    return false;
  };
  const added = react(to, messageId, emoji, false, signal).then(() => true, failed("ack reaction failed"));
  return {
    async remove() {
      if (await added)
        await react(to, messageId, emoji, true, signal).catch(failed("removing the ack reaction failed"));
    },
  };
}
