import type { IncomingMessage } from "node:http";

/**
 * Why a request body could not be read, with the status the route answers (reference-gateway §1:
 * hooks answer 413 for too large, 408 for a body read timeout, 400 for bad JSON).
 */
export class HttpBodyError extends Error {
  override name = "HttpBodyError";
  readonly status: 400 | 408 | 413;

  constructor(status: 400 | 408 | 413, message: string, opts: { cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.status = status;
  }
}

export interface BodyLimits {
  /** Bytes accepted; one more and reading stops with 413. */
  maxBytes: number;
  /** The whole body must arrive within this, or 408: a client trickling bytes holds no socket. */
  timeoutMs: number;
  /** Aborts the read (server shutdown). */
  signal?: AbortSignal | undefined;
}

/** Hook and tool bodies: OpenClaw's `hooks.maxBodyBytes` default, and a read deadline. */
export const DEFAULT_BODY_LIMITS: Readonly<BodyLimits> = { maxBytes: 256 * 1024, timeoutMs: 10_000 };

/**
 * Reads a request body under a size and a time limit. A declared `Content-Length` over the limit
 * is refused before a byte is read; a body that grows past it stops being read at once (advisory
 * GHSA-q447-rj3r-2cgh: never buffer an attacker's gigabytes to find out). On failure the request
 * stream is discarded so the route can still answer; the caller should send `Connection: close`.
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    req.resume();
    return Promise.reject(new HttpBodyError(413, `request body exceeds ${limits.maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const signal = limits.signal
      ? AbortSignal.any([limits.signal, AbortSignal.timeout(limits.timeoutMs)])
      : AbortSignal.timeout(limits.timeoutMs);
    const finish = (err: HttpBodyError | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      signal.removeEventListener("abort", onAbort);
      if (err) {
        req.resume(); // drain and drop whatever else arrives
        reject(err);
      } else resolve(body!);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limits.maxBytes)
        finish(new HttpBodyError(413, `request body exceeds ${limits.maxBytes} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined, Buffer.concat(chunks, size));
    const onError = (err: Error): void =>
      finish(new HttpBodyError(400, "request body could not be read", { cause: err }));
    const onAbort = (): void =>
      finish(
        new HttpBodyError(408, `request body not received within ${limits.timeoutMs} ms`, {
          cause: signal.reason,
        }),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** Reads a JSON body under `limits`; an empty body is `{}`, malformed JSON a 400. */
export async function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const body = await readBody(req, limits);
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new HttpBodyError(400, "request body is not valid JSON", { cause: err });
  }
}
