import { open, realpath } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isErrno } from "../../infra/errors.ts";
import { MediaSourceError, MediaTooLargeError } from "./errors.ts";
import { fetchCapped } from "./fetch-capped.ts";
import { OUTBOUND_IMAGE_MAX_EDGE_PX } from "./limits.ts";
import { detectMimeType, fallbackFileName, isRasterImage } from "./mime.ts";
import { fitImage } from "./resize.ts";
import { assertPublicUrl } from "./url-guard.ts";

export interface MediaRoots {
  /** The agent's workspace: relative paths resolve here. */
  workspaceDir: string;
  stateDir: string;
  /** For `~/…` sources. */
  homeDir?: string;
  /** Refuses URLs before each request (default: private network addresses); tests pass their own. */
  checkUrl?: (url: URL) => Promise<void>;
}

export interface LoadedMedia {
  data: Uint8Array;
  mimeType: string;
  fileName: string;
}

/**
 * Images are read up to this size before scaling (a 4000 px PNG from a skill is often over a
 * channel's limit until it is resized); other files are held to the channel's own limit.
 */
const IMAGE_READ_MAX_BYTES = 64 * 1024 * 1024;
const URL_TIMEOUT_MS = 30_000;

/** Where local media may come from: the agent's workspace and the state dir's `media` folder. */
export function mediaDirs(roots: MediaRoots): string[] {
  return [roots.workspaceDir, path.join(roots.stateDir, "media")];
}

/**
 * Reads one `MEDIA:` source (MED-1) for sending: a URL is downloaded with a size cap and a
 * timeout; a local path resolves against the workspace and must lie, after symlinks, inside the
 * workspace or `<stateDir>/media`. Images are scaled to 2048 px on the long side (MED-3).
 * Throws `MediaSourceError` (missing, outside those folders, HTTP error) or `MediaTooLargeError`
 * (a non-image over `maxBytes`; images are checked by the caller after scaling).
 */
export async function loadOutboundMedia(
  source: string,
  roots: MediaRoots,
  maxBytes: number,
  signal: AbortSignal,
): Promise<LoadedMedia> {
  const raw = /^https?:\/\//i.test(source)
    ? await loadUrl(source, roots, maxBytes, signal)
    : await loadLocal(source, roots, maxBytes);
  const mimeType = detectMimeType(raw.data, raw.fileName, raw.claimedType);
  const fileName = raw.fileName ?? fallbackFileName("file", mimeType);
  if (!isRasterImage(mimeType)) {
    if (raw.data.byteLength > maxBytes) throw new MediaTooLargeError(maxBytes, raw.data.byteLength);
    return { data: raw.data, mimeType, fileName };
  }
  const fitted = await fitImage(raw.data, mimeType, OUTBOUND_IMAGE_MAX_EDGE_PX);
  const renamed =
    fitted.mimeType === mimeType
      ? fileName
      : `${path.parse(fileName).name}${path.extname(fallbackFileName("", fitted.mimeType))}`;
  return { data: fitted.data, mimeType: fitted.mimeType, fileName: renamed };
}

interface RawMedia {
  data: Uint8Array;
  fileName: string | undefined;
  claimedType?: string;
}

async function loadUrl(
  url: string,
  roots: MediaRoots,
  maxBytes: number,
  signal: AbortSignal,
): Promise<RawMedia> {
  const fetched = await fetchCapped(
    url,
    {
      maxBytes: Math.max(maxBytes, IMAGE_READ_MAX_BYTES),
      timeoutMs: URL_TIMEOUT_MS,
      label: url,
      checkUrl: roots.checkUrl ?? ((u) => assertPublicUrl(u)),
    },
    signal,
  );
  const name = decodeURIComponent(fetched.finalUrl.pathname.split("/").pop() ?? "");
  return {
    data: fetched.data,
    fileName: name || undefined,
    ...(fetched.contentType ? { claimedType: fetched.contentType } : {}),
  };
}

async function loadLocal(source: string, roots: MediaRoots, maxBytes: number): Promise<RawMedia> {
  const expanded = source.startsWith("~/")
    ? path.join(roots.homeDir ?? os.homedir(), source.slice(2))
    : source;
  const wanted = path.resolve(roots.workspaceDir, expanded);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch (err) {
    if (isErrno(err, "ENOENT")) throw new MediaSourceError(`${source}: no such file`);
    throw err;
  }
  const allowed = await Promise.all(mediaDirs(roots).map((d) => realpath(d).catch(() => path.resolve(d))));
  if (!allowed.some((dir) => real === dir || real.startsWith(dir + path.sep)))
    throw new MediaSourceError(
      `${source}: only files in the agent workspace or ${path.join(roots.stateDir, "media")} can be sent`,
    );
  const fh = await open(real, "r");
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw new MediaSourceError(`${source}: not a file`);
    const cap = Math.max(maxBytes, IMAGE_READ_MAX_BYTES);
    if (stat.size > cap) throw new MediaTooLargeError(maxBytes, stat.size);
    const data = new Uint8Array(await fh.readFile());
    // A non-image over the limit fails here, before its bytes travel further.
    if (data.byteLength > maxBytes && !isRasterImage(detectMimeType(data, real)))
      throw new MediaTooLargeError(maxBytes, data.byteLength);
    return { data, fileName: path.basename(real) };
  } finally {
    await fh.close();
  }
}
