import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import type { InboundMediaRef, MediaKind, OutboundPart, OutboundTarget } from "../adapter.ts";
import { fetchCapped } from "../media/fetch-capped.ts";

type MediaPart = Extract<OutboundPart, { type: "media" }>;

const DOWNLOAD_TIMEOUT_MS = 60_000;

/** The keys of a file object in a message event we read (docs.slack.dev, "File object"). */
export const SlackFile = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  mimetype: z.string().optional(),
  size: z.number().optional(),
  url_private_download: z.string().optional(),
  url_private: z.string().optional(),
});

function kindOf(mimeType: string | undefined): MediaKind {
  if (mimeType?.startsWith("image/")) return "image";
  if (mimeType?.startsWith("audio/")) return "audio";
  if (mimeType?.startsWith("video/")) return "video";
  return "document";
}

/** A message's files as handles: their private URLs, fetched later with the bot token. */
export function slackMediaRefs(files: z.infer<typeof SlackFile>[] | undefined): InboundMediaRef[] {
  return (files ?? []).flatMap((f) => {
    const url = f.url_private_download ?? f.url_private;
    if (!url) return [];
    return [
      {
        kind: kindOf(f.mimetype),
        ref: url,
        ...(f.name ? { fileName: f.name } : {}),
        ...(f.mimetype ? { mimeType: f.mimetype } : {}),
        ...(f.size !== undefined ? { sizeBytes: f.size } : {}),
      },
    ];
  });
}

/**
 * Uploads one file to the chat (reference-agent §5.4): the client's `filesUploadV2` runs
 * `files.getUploadURLExternal`, posts the bytes to the URL it returns, then
 * `files.completeUploadExternal` shares it in the channel (and thread). Returns the file id.
 */
export async function uploadSlackFile(web: WebClient, to: OutboundTarget, part: MediaPart): Promise<string> {
  const file = {
    channel_id: to.chatId,
    file: Buffer.from(part.data),
    filename: part.fileName,
    ...(part.caption ? { initial_comment: part.caption } : {}),
  };
  const res = await (to.threadId
    ? web.filesUploadV2({ ...file, thread_ts: to.threadId })
    : web.filesUploadV2(file));
  const completed = (res as { files?: { files?: { id?: string }[] }[] }).files ?? [];
  return completed[0]?.files?.[0]?.id ?? "";
}

/** `url_private` needs the bot token as a Bearer header (docs.slack.dev, "Downloading files"). */
export async function downloadSlackFile(
  botToken: string,
  ref: InboundMediaRef,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const label = `Slack file ${ref.fileName ?? ""}`.trim();
  const headers = { authorization: `Bearer ${botToken}` };
  return (await fetchCapped(ref.ref, { maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, headers, label }, signal))
    .data;
}
