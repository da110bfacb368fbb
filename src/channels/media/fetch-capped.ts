import { MediaSourceError, MediaTooLargeError } from "./errors.ts";

export interface FetchedFile {
  data: Uint8Array;
  /** The server's `content-type`, when it sent one. */
  contentType: string | undefined;
  /** Where the bytes came from, after redirects. */
  finalUrl: URL;
}

export interface FetchCappedOptions {
  maxBytes: number;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** What to call the source in errors (never a URL holding a token). */
  label: string;
  /** Checked before each request, redirects included; throws to refuse a URL. */
  checkUrl?: (url: URL) => Promise<void>;
}

const MAX_REDIRECTS = 5;

/**
 * Downloads `url` into memory, stopping at `maxBytes`: a declared `content-length` over the cap is
 * refused before the body is read, and a body that grows past it is cut off. Throws
 * `MediaTooLargeError`, or `MediaSourceError` for an HTTP error; an abort or timeout rejects with
 * the signal's reason.
 */
export async function fetchCapped(
  url: string,
  opts: FetchCappedOptions,
  signal: AbortSignal,
): Promise<FetchedFile> {
  const callSignal = AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]);
  let target = new URL(url);
  let res: Response;
  // Redirects are followed by hand, so every hop passes `checkUrl`.
  for (let hop = 0; ; hop++) {
    await opts.checkUrl?.(target);
    res = await fetch(target, { headers: opts.headers ?? {}, redirect: "manual", signal: callSignal });
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) break;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new MediaSourceError(`${opts.label}: too many redirects`);
    target = new URL(location, target);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new MediaSourceError(`${opts.label}: the server answered HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body?.cancel();
    throw new MediaTooLargeError(opts.maxBytes, declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      // Leaving the loop by a throw cancels the body, so the rest is never downloaded.
      if (total > opts.maxBytes) throw new MediaTooLargeError(opts.maxBytes);
      chunks.push(chunk);
    }
  }
  return {
    data: Buffer.concat(chunks),
    contentType: res.headers.get("content-type") ?? undefined,
    finalUrl: target,
  };
}
