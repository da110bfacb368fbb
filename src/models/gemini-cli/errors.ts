import { z } from "zod";

/**
 * Cloud Code Assist answered with an HTTP error. The message starts with the status and the
 * google.rpc code (`429 RESOURCE_EXHAUSTED: …`, `401 UNAUTHENTICATED: …`), which is what
 * failover's classifier reads: 401 refreshes the OAuth token, 429 rotates as a rate limit.
 */
export class CodeAssistHttpError extends Error {
  override name = "CodeAssistHttpError";
  readonly status: number;
  /** google.rpc.Code name, when the body said (`RESOURCE_EXHAUSTED`). */
  readonly code: string | undefined;
  /** From a google.rpc.RetryInfo detail, when the body carried one. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, code: string | undefined, message: string, retryAfterMs?: number) {
    super(`${status}${code ? ` ${code}` : ""}: ${message}`);
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/** google.rpc.Status as Google APIs send it: `{"error":{code,message,status,details}}`. */
const GoogleErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z
      .array(z.looseObject({ "@type": z.string().optional(), retryDelay: z.string().optional() }))
      .optional(),
  }),
});

const MAX_BODY_CHARS = 1000;

/** The error a non-2xx response stands for; a body that is not Google's JSON is quoted as text. Pure. */
export function codeAssistError(status: number, bodyText: string): CodeAssistHttpError {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return (
    streamedError(json, status) ??
    new CodeAssistHttpError(status, undefined, bodyText.trim().slice(0, MAX_BODY_CHARS) || "(no body)")
  );
}

/**
 * The error an SSE event carries instead of a response (a failure after the stream began is
 * sent as a google.rpc.Status in its own event); undefined for an ordinary event. Pure.
 */
export function streamedError(json: unknown, httpStatus?: number): CodeAssistHttpError | undefined {
  const parsed = GoogleErrorBody.safeParse(json);
  if (!parsed.success) return undefined;
  const { code: httpCode, message, status: rpcCode, details } = parsed.data.error;
  const delay = details?.find((d) => d["@type"]?.endsWith("google.rpc.RetryInfo"))?.retryDelay;
  return new CodeAssistHttpError(
    httpStatus ?? httpCode ?? 500,
    rpcCode,
    message ?? "(no message)",
    delay ? durationMs(delay) : undefined,
  );
}

/** A protobuf Duration in JSON (`"34.07s"`) as milliseconds. */
function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(text.trim());
  return m ? Math.ceil(Number(m[1]) * 1000) : undefined;
}

/** Text for a failure that never produced a response: keeps the system error code (ECONNREFUSED…). */
export function transportErrorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && !err.message.includes(cause) ? `${err.message}: ${cause}` : err.message;
}
