import { z } from "zod";
import { formatBytes } from "./errors.ts";
import type { InboundMedia } from "./inbound-media.ts";
import { storeInboundFile } from "./inbound-media.ts";
import type { SizeLimit } from "./limits.ts";

/** One `chat.send` attachment (reference-gateway §2): base64 content, with or without a data: URL prefix. */
export const ChatAttachmentSchema = z.object({
  type: z.string().optional(),
  mimeType: z.string().min(1),
  fileName: z.string().optional(),
  content: z.string().min(1),
});
export type ChatAttachment = z.infer<typeof ChatAttachmentSchema>;

/** An attachment the gateway refuses; the message is meant for the client. */
export class AttachmentError extends Error {
  override name = "AttachmentError";
}

const DATA_URL = /^data:[^;,]*(;[^,]*)?;base64,/i;

/**
 * Decodes and saves WebChat attachments like channel media (MED-5): pictures become model input
 * scaled to `maxEdgePx`, other files are named by path in the text. Throws `AttachmentError` for
 * content that is not base64 or a file over `limit`.
 */
export async function prepareChatAttachments(
  attachments: ChatAttachment[],
  opts: { stateDir: string; limit: SizeLimit; maxEdgePx: number },
): Promise<InboundMedia> {
  const out: InboundMedia = { images: [], notes: [] };
  for (const [i, a] of attachments.entries()) {
    const name = a.fileName ?? `attachment ${i + 1}`;
    const base64 = a.content.replace(DATA_URL, "").replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new AttachmentError(`${name}: content is not base64`);
    // 3 bytes per 4 characters: refuse an oversized file before decoding it.
    const sizeBytes =
      Math.floor((base64.length * 3) / 4) - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);
    if (sizeBytes > opts.limit.maxBytes)
      throw new AttachmentError(
        `${name} is ${formatBytes(sizeBytes)}, over the ${formatBytes(opts.limit.maxBytes)} limit (${opts.limit.source})`,
      );
    const stored = await storeInboundFile(
      Buffer.from(base64, "base64"),
      { channel: "webchat", fileName: a.fileName, mimeType: a.mimeType },
      opts,
    );
    if (stored.image) {
      out.images.push(stored.image);
      out.notes.push(`[image attached: ${stored.file}]`);
    } else {
      out.notes.push(
        `[file attached: ${stored.file} (${stored.mimeType}, ${formatBytes(stored.sizeBytes)})]`,
      );
    }
  }
  return out;
}
