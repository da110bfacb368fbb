import path from "node:path";
import { splitMediaDirectives } from "../../agents/reply-directives.ts";
import { formatBytes } from "./errors.ts";
import { isRasterImage } from "./mime.ts";
import { loadOutboundMedia, type MediaRoots } from "./outbound-media.ts";

type Part = Record<string, unknown>;

/** Pictures larger than this after scaling are named, not inlined, in the live `chat` event. */
const MAX_INLINE_IMAGE_BYTES = 4 * 1024 * 1024;

/**
 * The answer as WebChat shows it (reference-gateway §2 `chat` events): `MEDIA:` lines leave the
 * text, pictures follow as image parts (base64, scaled like outbound images) and other files as
 * a `📎 name` line, so the Control UI can render what a channel would have sent. `undefined`
 * when the answer has no `MEDIA:` line. A file that cannot be read becomes a `⚠️` line; never throws
 * for it.
 */
export async function withReplyMedia(
  message: { content: readonly object[] },
  roots: MediaRoots,
  signal: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  let changed = false;
  const content: Part[] = [];
  for (const part of message.content as Part[]) {
    if (part["type"] !== "text" || typeof part["text"] !== "string") {
      content.push(part);
      continue;
    }
    const split = splitMediaDirectives(part["text"]);
    if (split.media.length === 0) {
      content.push(part);
      continue;
    }
    changed = true;
    const lines: string[] = [];
    const images: Part[] = [];
    for (const source of split.media) {
      const name = path.basename(source.split(/[?#]/)[0] ?? source) || source;
      try {
        const media = await loadOutboundMedia(source, roots, MAX_INLINE_IMAGE_BYTES, signal);
        if (isRasterImage(media.mimeType) && media.data.byteLength <= MAX_INLINE_IMAGE_BYTES)
          images.push({
            type: "image",
            data: Buffer.from(media.data).toString("base64"),
            mimeType: media.mimeType,
          });
        else lines.push(`📎 ${media.fileName} (${formatBytes(media.data.byteLength)})`);
      } catch (err) {
        signal.throwIfAborted();
        lines.push(`⚠️ ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const text = [split.text, ...lines].filter((t) => t !== "").join("\n");
    if (text !== "") content.push({ ...part, text });
    content.push(...images);
  }
  return changed ? { ...message, content } : undefined;
}
