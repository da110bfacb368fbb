import type { RawFile } from "@discordjs/rest";
import type { GatewayMessageCreateDispatchData } from "discord-api-types/v10";
import type { InboundMediaRef, OutboundPart } from "../adapter.ts";
import { fetchCapped } from "../media/fetch-capped.ts";

type MediaPart = Extract<OutboundPart, { type: "media" }>;

const DOWNLOAD_TIMEOUT_MS = 60_000;

/** A message's attachments as handles: their CDN URLs, which need no token. */
export function discordMediaRefs(data: GatewayMessageCreateDispatchData): InboundMediaRef[] {
  return (data.attachments ?? []).map((a) => {
    const type = a.content_type?.split(";")[0];
    return {
      kind: type?.startsWith("image/")
        ? "image"
        : type?.startsWith("audio/")
          ? "audio"
          : type?.startsWith("video/")
            ? "video"
            : "document",
      ref: a.url,
      fileName: a.filename,
      sizeBytes: a.size,
      ...(type ? { mimeType: type } : {}),
    };
  });
}

/**
 * The body and files of `POST /channels/{id}/messages` carrying one file: the REST
 * client sends them as multipart (`payload_json` plus `files[0]`).
 */
export function discordUpload(part: MediaPart): { body: Record<string, unknown>; files: RawFile[] } {
  return {
    body: {
      ...(part.caption ? { content: part.caption } : {}),
      attachments: [{ id: 0, filename: part.fileName }],
      allowed_mentions: { parse: ["users"] },
    },
    files: [{ name: part.fileName, data: Buffer.from(part.data), contentType: part.mimeType }],
  };
}

export async function downloadDiscordAttachment(
  ref: InboundMediaRef,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const label = `Discord attachment ${ref.fileName ?? ""}`.trim();
  return (await fetchCapped(ref.ref, { maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, label }, signal)).data;
}
