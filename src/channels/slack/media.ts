import { z } from "zod";
import type { InboundMediaRef, MediaKind, OutboundPart, OutboundTarget } from "../adapter.ts";
import { fetchCapped } from "../media/fetch-capped.ts";
import { SlackHttpError } from "./errors.ts";
import type { SlackWebClient } from "./web-api.ts";

type MediaPart = Extract<OutboundPart, { type: "media" }>;

const DOWNLOAD_TIMEOUT_MS = 60_000;
/** The bytes go up in one request: a large file on a slow link needs more than a call's timeout. */
const UPLOAD_TIMEOUT_MS = 300_000;

const UploadUrl = z.looseObject({ upload_url: z.string(), file_id: z.string() });
const Completed = z.looseObject({ files: z.array(z.looseObject({ id: z.string() })) });

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
 * Uploads one file to the chat (reference-agent §5.4, docs.slack.dev "Uploading files"):
 * `files.getUploadURLExternal` names an upload URL, the bytes are POSTed to it, then
 * `files.completeUploadExternal` shares the file in the channel (and thread). Returns the file id.
 */
export async function uploadSlackFile(
  web: SlackWebClient,
  to: OutboundTarget,
  part: MediaPart,
  signal: AbortSignal,
): Promise<string> {
  const target = await web.call(
    "files.getUploadURLExternal",
    { filename: part.fileName, length: part.data.byteLength },
    UploadUrl,
    signal,
  );
  let res: Response;
  try {
    res = await fetch(target.upload_url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      // Never backed by a SharedArrayBuffer: the bytes come from a file or a download.
      body: part.data as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.any([signal, AbortSignal.timeout(UPLOAD_TIMEOUT_MS)]),
    });
    await res.arrayBuffer(); // Slack's short "OK - <size>"; read so the connection is reused
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new SlackHttpError("file upload", "the bytes did not reach the upload URL", { cause: err });
  }
  if (!res.ok)
    throw new SlackHttpError("file upload", `HTTP ${res.status} from the upload URL`, { status: res.status });
  const done = await web.call(
    "files.completeUploadExternal",
    {
      files: [{ id: target.file_id, title: part.fileName }],
      channel_id: to.chatId,
      thread_ts: to.threadId,
      initial_comment: part.caption || undefined,
    },
    Completed,
    signal,
  );
  return done.files[0]?.id ?? target.file_id;
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
