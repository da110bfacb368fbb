import type { ChannelCapabilities, OutboundMediaKind } from "../adapter.ts";
import { formatBytes } from "./errors.ts";
import { isRasterImage } from "./mime.ts";

export const BYTES_PER_MB = 1024 * 1024;

/** Outbound images are scaled to this long side before sending (MED-3, FAQ "Images"). */
export const OUTBOUND_IMAGE_MAX_EDGE_PX = 2048;

/** Used when neither the channel nor `agents.defaults.mediaMaxMb` says (reference-gateway §3). */
export const DEFAULT_MEDIA_MAX_MB = 5;

export interface SizeLimit {
  maxBytes: number;
  /** Where the limit comes from, for the error a user reads. */
  source: string;
}

/**
 * The inbound cap of one channel account (MED-5): `channels.<ch>.mediaMaxMb` (account over
 * channel), then `agents.defaults.mediaMaxMb`, then the channel's own default. Pure.
 */
export function inboundLimit(
  channel: string,
  accountMaxMb: number | undefined,
  defaultsMaxMb: number | undefined,
  caps: ChannelCapabilities,
): SizeLimit {
  if (accountMaxMb !== undefined)
    return { maxBytes: Math.floor(accountMaxMb * BYTES_PER_MB), source: `channels.${channel}.mediaMaxMb` };
  if (defaultsMaxMb !== undefined)
    return { maxBytes: Math.floor(defaultsMaxMb * BYTES_PER_MB), source: "agents.defaults.mediaMaxMb" };
  const mb = caps.media?.defaultInboundMaxMb ?? DEFAULT_MEDIA_MAX_MB;
  return { maxBytes: Math.floor(mb * BYTES_PER_MB), source: `channels.${channel}.mediaMaxMb` };
}

/**
 * The outbound cap: what the platform takes from a bot, lowered by `channels.<ch>.mediaMaxMb`
 * when the account sets it. `undefined` when the channel sends no files. Pure.
 */
export function outboundLimit(
  channel: string,
  accountMaxMb: number | undefined,
  caps: ChannelCapabilities,
): SizeLimit | undefined {
  if (!caps.media) return undefined;
  const platform = { maxBytes: caps.media.maxUploadBytes, source: `${caps.label}'s upload limit` };
  if (accountMaxMb === undefined) return platform;
  const configured = Math.floor(accountMaxMb * BYTES_PER_MB);
  return configured < platform.maxBytes
    ? { maxBytes: configured, source: `channels.${channel}.mediaMaxMb` }
    : platform;
}

export type OutboundKind = { kind: OutboundMediaKind } | { tooLarge: string };

/** Formats Telegram plays as a voice note (core.telegram.org/bots/api#sendvoice). */
const VOICE_TYPES = new Set(["audio/ogg", "audio/mpeg", "audio/mp4"]);

/**
 * How a prepared file goes out: a raster image within the platform's photo limit as a picture
 * (GIFs go as files, so they keep their animation), audio as a track, or as a voice note when the
 * reply asked (`[[audio_as_voice]]`) and the platform has them; anything else as a document;
 * over `limit` it does not go at all, with the reason. Pure.
 */
export function outboundKind(
  mimeType: string,
  sizeBytes: number,
  limit: SizeLimit,
  caps: ChannelCapabilities,
  audioAsVoice = false,
): OutboundKind {
  if (sizeBytes > limit.maxBytes)
    return {
      tooLarge: `it is ${formatBytes(sizeBytes)}, over the ${formatBytes(limit.maxBytes)} limit (${limit.source})`,
    };
  const photo =
    isRasterImage(mimeType) && mimeType !== "image/gif" && sizeBytes <= (caps.media?.maxPhotoBytes ?? 0);
  if (photo) return { kind: "image" };
  if (!mimeType.startsWith("audio/")) return { kind: "document" };
  return {
    kind: audioAsVoice && caps.media?.voice === true && VOICE_TYPES.has(mimeType) ? "voice" : "audio",
  };
}
