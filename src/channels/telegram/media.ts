import type { Message, PhotoSize } from "grammy/types";
import { type Api, InputFile } from "grammy/web";
import type { InboundMediaRef, OutboundPart, OutboundTarget } from "../adapter.ts";
import { MediaSourceError, MediaTooLargeError } from "../media/errors.ts";
import { fetchCapped } from "../media/fetch-capped.ts";

type MediaPart = Extract<OutboundPart, { type: "media" }>;
/** grammY's typings name a polyfill's AbortSignal; a native one works at run time (see adapter.ts). */
type GrammySignal = NonNullable<Parameters<Api["getMe"]>[0]>;

const DEFAULT_API_ROOT = "https://api.telegram.org";
const DOWNLOAD_TIMEOUT_MS = 60_000;
/** Telegram's caption limit (characters after entity parsing). */
const MAX_CAPTION_CHARS = 1024;

/**
 * The files of a Telegram message as handles (reference-agent §5.2): the largest size of a
 * photo, a document, voice note, audio or video. Downloaded later through `getFile`.
 */
export function telegramMediaRefs(msg: Message): InboundMediaRef[] {
  const refs: InboundMediaRef[] = [];
  const size = (n: number | undefined) => (n !== undefined ? { sizeBytes: n } : {});
  const largest = msg.photo?.reduce<PhotoSize | undefined>(
    (a, b) => (a && a.width * a.height >= b.width * b.height ? a : b),
    undefined,
  );
  if (largest) refs.push({ kind: "image", ref: largest.file_id, ...size(largest.file_size) });
  const doc = msg.document;
  if (doc)
    refs.push({
      kind: doc.mime_type?.startsWith("image/") ? "image" : "document",
      ref: doc.file_id,
      ...(doc.mime_type ? { mimeType: doc.mime_type } : {}),
      ...(doc.file_name ? { fileName: doc.file_name } : {}),
      ...size(doc.file_size),
    });
  const voice = msg.voice ?? msg.audio;
  if (voice)
    refs.push({
      kind: "audio",
      ref: voice.file_id,
      ...(voice.mime_type ? { mimeType: voice.mime_type } : {}),
      ...size(voice.file_size),
    });
  if (msg.video)
    refs.push({
      kind: "video",
      ref: msg.video.file_id,
      ...(msg.video.mime_type ? { mimeType: msg.video.mime_type } : {}),
      ...size(msg.video.file_size),
    });
  return refs;
}

/**
 * A picture as `sendPhoto`, audio as `sendAudio` (or `sendVoice` for a voice note), anything else
 * as `sendDocument`, uploaded as multipart.
 */
export async function sendTelegramMedia(
  api: Api,
  to: OutboundTarget,
  part: MediaPart,
  thread: { message_thread_id?: number },
  signal: GrammySignal,
): Promise<Message> {
  const file = new InputFile(part.data, part.fileName);
  const caption = part.caption ? { caption: part.caption.slice(0, MAX_CAPTION_CHARS) } : {};
  const other = { ...thread, ...caption };
  switch (part.kind) {
    case "image":
      return api.sendPhoto(to.chatId, file, other, signal);
    case "audio":
      return api.sendAudio(to.chatId, file, other, signal);
    case "voice":
      return api.sendVoice(to.chatId, file, other, signal);
    case "document":
      return api.sendDocument(to.chatId, file, other, signal);
  }
}

/**
 * Downloads one file: `getFile` for its path, then `<apiRoot>/file/bot<token>/<path>`. The URL
 * holds the token, so errors name the file id only.
 */
export async function downloadTelegramFile(
  api: Api,
  apiRoot: string | undefined,
  ref: InboundMediaRef,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const file = await api.getFile(ref.ref, signal as unknown as GrammySignal);
  if (file.file_size !== undefined && file.file_size > maxBytes)
    throw new MediaTooLargeError(maxBytes, file.file_size);
  if (!file.file_path) throw new MediaSourceError(`Telegram gave no download path for file ${ref.ref}`);
  const url = `${apiRoot ?? DEFAULT_API_ROOT}/file/bot${api.token}/${file.file_path}`;
  const fetched = await fetchCapped(
    url,
    { maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS, label: `Telegram file ${ref.ref}` },
    signal,
  );
  return fetched.data;
}
