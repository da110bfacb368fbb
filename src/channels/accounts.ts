import type { OpenClawConfig } from "../config/schema.ts";
import type { AccountConfig, ChannelId } from "./adapter.ts";

const DEFAULT_ACCOUNT = "default";

function channelBlock(config: OpenClawConfig, channel: ChannelId): Record<string, unknown> | undefined {
  const block = (config.channels as Record<string, unknown> | undefined)?.[channel];
  return block && typeof block === "object" ? (block as Record<string, unknown>) : undefined;
}

/**
 * The accounts of a configured channel (reference-agent §5.1): the ids under `accounts`, or the
 * implicit `default`. Empty when the block is absent or `enabled: false`.
 */
export function listAccountIds(config: OpenClawConfig, channel: ChannelId): string[] {
  const block = channelBlock(config, channel);
  if (!block || block["enabled"] === false) return [];
  const accounts = block["accounts"];
  const ids = accounts && typeof accounts === "object" ? Object.keys(accounts) : [];
  return ids.length > 0 ? ids : [DEFAULT_ACCOUNT];
}

/**
 * One account's settings: the channel's keys with the account's own on top. Named accounts do
 * not inherit `accounts.default`'s allowlists (reference-agent §5.1): only channel-level keys.
 */
export function resolveAccountConfig(
  config: OpenClawConfig,
  channel: ChannelId,
  accountId: string,
): AccountConfig | undefined {
  const block = channelBlock(config, channel);
  if (!block) return undefined;
  const { accounts, defaultAccount: _ignored, ...base } = block;
  const own = (accounts as Record<string, Record<string, unknown>> | undefined)?.[accountId];
  if (accounts && Object.keys(accounts).length > 0 && !own) return undefined;
  return { ...base, ...own };
}
