import path from "node:path";
import { errorMessage } from "../../infra/errors.ts";
import type { Logger } from "../../infra/logger.ts";
import type { ChannelAdapter, OutboundPart, OutboundTarget } from "../adapter.ts";
import { MediaSourceError, MediaTooLargeError } from "./errors.ts";
import { outboundKind, outboundLimit, type SizeLimit } from "./limits.ts";
import { loadOutboundMedia, type MediaRoots } from "./outbound-media.ts";

export interface SendMediaOptions {
  roots: MediaRoots;
  /** `channels.<ch>.mediaMaxMb` of the account, when set. */
  accountMaxMb: number | undefined;
  /** The reply said `[[audio_as_voice]]` (reference-agent §1.5). */
  audioAsVoice?: boolean;
  log: Logger;
}

/**
 * Sends the attachments of one reply (MED-1, MED-3, MED-4), in order, after its text. A file
 * that cannot go (missing, outside the allowed folders, over the limit, a channel without file
 * support) is reported in the chat with a short reason and in the log; the others still go.
 * Returns how many messages were sent. Throws only when the platform itself fails a send.
 */
export async function sendReplyMedia(
  adapter: ChannelAdapter,
  to: OutboundTarget,
  sources: string[],
  opts: SendMediaOptions,
  signal: AbortSignal,
): Promise<number> {
  let sent = 0;
  const caps = adapter.capabilities;
  const limit = outboundLimit(adapter.channel, opts.accountMaxMb, caps);
  for (const source of sources) {
    const name = path.basename(source.split(/[?#]/)[0] ?? source) || source;
    const prepared = limit
      ? await prepare(source, opts, limit, adapter, signal)
      : { problem: `${caps.label} replies cannot carry files here` };
    if ("part" in prepared) {
      // A platform failure propagates: the pipeline keeps the message for a retry.
      await adapter.send(to, prepared.part, signal);
    } else {
      opts.log.warn("reply attachment not sent", {
        channel: adapter.channel,
        source,
        reason: prepared.problem,
      });
      await adapter.send(to, { type: "text", text: `⚠️ Could not send ${name}: ${prepared.problem}` }, signal);
    }
    sent++;
  }
  return sent;
}

/** Reads, scales and sizes one source; what can go wrong with the file is a `problem`. */
async function prepare(
  source: string,
  opts: SendMediaOptions,
  limit: SizeLimit,
  adapter: ChannelAdapter,
  signal: AbortSignal,
): Promise<{ part: OutboundPart } | { problem: string }> {
  try {
    const media = await loadOutboundMedia(source, opts.roots, limit.maxBytes, signal);
    const decided = outboundKind(
      media.mimeType,
      media.data.byteLength,
      limit,
      adapter.capabilities,
      opts.audioAsVoice === true,
    );
    if ("tooLarge" in decided) return { problem: decided.tooLarge };
    return { part: { type: "media", kind: decided.kind, ...media } };
  } catch (err) {
    signal.throwIfAborted();
    if (err instanceof MediaTooLargeError) return { problem: `${err.message} (${limit.source})` };
    if (err instanceof MediaSourceError) return { problem: err.message };
    opts.log.warn("reply attachment could not be read", { source, err });
    return { problem: errorMessage(err) };
  }
}
