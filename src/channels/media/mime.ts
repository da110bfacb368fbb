import path from "node:path";

const BY_EXTENSION: Readonly<Record<string, string>> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".json": "application/json",
  ".zip": "application/zip",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".m4a": "audio/mp4",
  ".wav": "audio/wav",
  ".mp4": "video/mp4",
  ".mov": "video/quicktime",
  ".webm": "video/webm",
};

const EXTENSION_OF: Readonly<Record<string, string>> = {
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/gif": ".gif",
  "image/webp": ".webp",
  "application/pdf": ".pdf",
};

/** Image types both models and chat platforms take as pictures (others go as files). */
const RASTER_IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

function startsWith(data: Uint8Array, bytes: number[], at = 0): boolean {
  return bytes.every((b, i) => data[at + i] === b);
}

/**
 * The content type of a file: its magic bytes first (a `.png` that is really a JPEG is a JPEG),
 * then its name, then what the source claimed. Pure.
 */
export function detectMimeType(data: Uint8Array, fileName?: string, claimed?: string): string {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47])) return "image/png";
  if (startsWith(data, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(data, [0x47, 0x49, 0x46, 0x38])) return "image/gif";
  if (startsWith(data, [0x52, 0x49, 0x46, 0x46]) && startsWith(data, [0x57, 0x45, 0x42, 0x50], 8))
    return "image/webp";
  if (startsWith(data, [0x25, 0x50, 0x44, 0x46])) return "application/pdf";
  const byName = fileName ? BY_EXTENSION[path.extname(fileName).toLowerCase()] : undefined;
  return byName ?? claimed?.split(";")[0]?.trim() ?? "application/octet-stream";
}

export function isRasterImage(mimeType: string): boolean {
  return RASTER_IMAGES.has(mimeType);
}

/** A file name for bytes that came without one (a URL ending in `/`, a Telegram photo). */
export function fallbackFileName(stem: string, mimeType: string): string {
  return `${stem}${EXTENSION_OF[mimeType] ?? ".bin"}`;
}
