import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../../infra/logger.ts";
import type { ChannelAdapter, InboundMediaRef, InboundMessage } from "../adapter.ts";
import { formatBytes, MediaTooLargeError } from "./errors.ts";
import type { SizeLimit } from "./limits.ts";
import { detectMimeType, fallbackFileName, isRasterImage } from "./mime.ts";
import { fitImage } from "./resize.ts";

/** An image for the model, shaped as the model layer's image content (base64, no data: prefix). */
export interface ImageInput {
  type: "image";
  data: string;
  mimeType: string;
}

export interface InboundMedia {
  /** Pictures to put in the user message. */
  images: ImageInput[];
  /** One line per file for the message text: where it was saved, or why it was not. */
  notes: string[];
}

export interface InboundMediaOptions {
  stateDir: string;
  limit: SizeLimit;
  /** `agents.defaults.imageMaxDimensionPx`: images are scaled to this before the model sees them. */
  maxEdgePx: number;
  log: Logger;
}

/** Where inbound files of a channel are kept: `<stateDir>/media/inbound/<channel>/`. */
export function inboundMediaDir(stateDir: string, channel: string): string {
  return path.join(stateDir, "media", "inbound", channel);
}

/**
 * Downloads a message's files while it is handled (MED-5): each is saved under
 * `<stateDir>/media/inbound/<channel>/`; images also become model input, scaled to `maxEdgePx`.
 * A file over the limit, or one that cannot be fetched, becomes a note instead, so the message
 * still reaches the agent. Throws only with the signal's reason.
 */
export async function fetchInboundMedia(
  msg: InboundMessage,
  adapter: ChannelAdapter,
  opts: InboundMediaOptions,
  signal: AbortSignal,
): Promise<InboundMedia> {
  const out: InboundMedia = { images: [], notes: [] };
  for (const ref of msg.media ?? []) {
    const label = ref.fileName ?? `a ${ref.kind}`;
    try {
      const saved = await fetchOne(msg, ref, adapter, opts, signal);
      if (saved.image) {
        out.images.push(saved.image);
        out.notes.push(`[image attached: ${saved.file}]`);
      } else {
        out.notes.push(`[file attached: ${saved.file} (${saved.mimeType}, ${formatBytes(saved.sizeBytes)})]`);
      }
    } catch (err) {
      signal.throwIfAborted();
      if (err instanceof MediaTooLargeError) {
        opts.log.info("inbound file over the size limit; not downloaded", {
          channel: msg.channel,
          kind: ref.kind,
          sizeBytes: err.sizeBytes,
          maxBytes: err.maxBytes,
        });
        out.notes.push(`[${label} was not downloaded: ${err.message} (${opts.limit.source})]`);
      } else {
        opts.log.warn("inbound file could not be downloaded", { channel: msg.channel, kind: ref.kind, err });
        out.notes.push(`[${label} could not be downloaded]`);
      }
    }
  }
  return out;
}

async function fetchOne(
  msg: InboundMessage,
  ref: InboundMediaRef,
  adapter: ChannelAdapter,
  opts: InboundMediaOptions,
  signal: AbortSignal,
): Promise<StoredInbound> {
  const { maxBytes } = opts.limit;
  if (ref.sizeBytes !== undefined && ref.sizeBytes > maxBytes)
    throw new MediaTooLargeError(maxBytes, ref.sizeBytes);
  if (!adapter.downloadMedia) throw new Error(`${adapter.channel} cannot download files`);
  const data = await adapter.downloadMedia(ref, maxBytes, signal);
  if (data.byteLength > maxBytes) throw new MediaTooLargeError(maxBytes, data.byteLength);
  return storeInboundFile(
    data,
    { channel: msg.channel, fileName: ref.fileName, mimeType: ref.mimeType, kind: ref.kind },
    opts,
  );
}

export interface StoredInbound {
  file: string;
  mimeType: string;
  sizeBytes: number;
  /** Set for a picture: the model's copy, scaled to `maxEdgePx`. */
  image?: ImageInput;
}

/**
 * Saves one received file under `<stateDir>/media/inbound/<channel>/` and, for a picture, makes
 * the model's copy. Used for channel media and `chat.send` attachments alike. Throws when the
 * disk write fails or a file claiming to be an image cannot be decoded.
 */
export async function storeInboundFile(
  data: Uint8Array,
  meta: { channel: string; fileName?: string | undefined; mimeType?: string | undefined; kind?: string },
  opts: Pick<InboundMediaOptions, "stateDir" | "maxEdgePx">,
): Promise<StoredInbound> {
  const mimeType = detectMimeType(data, meta.fileName, meta.mimeType);
  const dir = inboundMediaDir(opts.stateDir, meta.channel);
  await mkdir(dir, { recursive: true });
  // The sender's name is kept for the agent's sake, but never as a path of its own.
  const base = (meta.fileName ?? fallbackFileName(meta.kind ?? "file", mimeType))
    .replace(/[^\w.@+-]+/g, "_")
    .slice(-80);
  const file = path.join(dir, `${randomUUID()}-${base}`);
  await writeFile(file, data, { mode: 0o600 });
  if (!isRasterImage(mimeType)) return { file, mimeType, sizeBytes: data.byteLength };
  const fitted = await fitImage(data, mimeType, opts.maxEdgePx);
  return {
    file,
    mimeType,
    sizeBytes: data.byteLength,
    image: { type: "image", data: Buffer.from(fitted.data).toString("base64"), mimeType: fitted.mimeType },
  };
}
