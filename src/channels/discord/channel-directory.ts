import { type APIChannel, ChannelType, type GatewayDispatchPayload } from "discord-api-types/v10";
import type { ChannelInfo } from "./translate.ts";

const THREAD_TYPES: ReadonlySet<number> = new Set([
  ChannelType.AnnouncementThread,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
]);

/** What a channel object says about itself that a MESSAGE_CREATE in it does not. */
export function channelInfoOf(ch: Pick<APIChannel, "type"> & { parent_id?: string | null }): ChannelInfo {
  return THREAD_TYPES.has(ch.type)
    ? { threadParentId: ch.parent_id ?? undefined }
    : { isGroupDm: ch.type === ChannelType.GroupDM };
}

/**
 * Which channels are threads, and of which parent: learnt from the gateway's own dispatches
 * (GUILD_CREATE lists a guild's channels and active threads, THREAD_CREATE and CHANNEL_CREATE add
 * new ones), so most guild messages need no `GET /channels/{id}`; the adapter asks REST for the
 * rest and records the answer here. A thread's parent never changes, so entries never go stale;
 * only the size is bounded, the oldest entry making room for a new one. No I/O.
 */
export class ChannelDirectory {
  readonly #max: number;
  readonly #known = new Map<string, ChannelInfo>();

  constructor(max: number) {
    this.#max = max;
  }

  get(channelId: string): ChannelInfo | undefined {
    return this.#known.get(channelId);
  }

  set(channelId: string, info: ChannelInfo): void {
    this.#known.delete(channelId);
    if (this.#known.size >= this.#max) {
      const oldest = this.#known.keys().next();
      if (!oldest.done) this.#known.delete(oldest.value);
    }
    this.#known.set(channelId, info);
  }

  /** Records what one dispatch says about channels; other dispatches are ignored. */
  observe(packet: GatewayDispatchPayload): void {
    switch (packet.t) {
      case "GUILD_CREATE":
        if ("unavailable" in packet.d && packet.d.unavailable) return;
        for (const ch of packet.d.channels ?? []) this.set(ch.id, channelInfoOf(ch));
        for (const th of packet.d.threads ?? []) this.set(th.id, channelInfoOf(th));
        return;
      case "CHANNEL_CREATE":
      case "THREAD_CREATE":
        this.set(packet.d.id, channelInfoOf(packet.d));
        return;
      case "THREAD_LIST_SYNC":
        for (const th of packet.d.threads) this.set(th.id, channelInfoOf(th as APIChannel));
        return;
      case "CHANNEL_DELETE":
      case "THREAD_DELETE":
        this.#known.delete(packet.d.id);
        return;
      default:
        return;
    }
  }
}
