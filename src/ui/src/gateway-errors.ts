import type { ErrorShape } from "./protocol.ts";

/** The gateway answered the request with `ok:false`. */
export class GatewayRequestError extends Error {
  override name = "GatewayRequestError" as const;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(method: string, error: ErrorShape) {
    super(error.message, { cause: { method } });
    this.code = error.code;
    this.details = error.details;
  }
}

/** The request never got an answer: not connected, the socket closed, or it timed out. */
export class GatewayUnreachableError extends Error {
  override name = "GatewayUnreachableError" as const;
}

/** A short text for a person, whichever way the call broke. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
