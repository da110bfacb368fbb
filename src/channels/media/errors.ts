/** A file over the size limit that applies to it; the message names the limit and its config key. */
export class MediaTooLargeError extends Error {
  override name = "MediaTooLargeError";
  readonly sizeBytes: number | undefined;
  readonly maxBytes: number;
  constructor(maxBytes: number, sizeBytes?: number, opts: { cause?: unknown } = {}) {
    super(
      sizeBytes === undefined
        ? `the file is larger than ${formatBytes(maxBytes)}`
        : `the file is ${formatBytes(sizeBytes)}, over the ${formatBytes(maxBytes)} limit`,
      opts,
    );
    this.maxBytes = maxBytes;
    this.sizeBytes = sizeBytes;
  }
}

/** A media source that cannot be used: missing, outside the allowed folders, or unreachable. */
export class MediaSourceError extends Error {
  override name = "MediaSourceError";
}

/** `5 MB`, `820 KB`: sizes as people read them (1 MB = 1024 × 1024 bytes, as `mediaMaxMb`). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
