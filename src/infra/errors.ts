/** Error codes of the gateway wire protocol (reference-gateway §2). */
export type ErrorCode =
  | "NOT_LINKED"
  | "NOT_PAIRED"
  | "AGENT_TIMEOUT"
  | "FORBIDDEN"
  | "INVALID_REQUEST"
  | "UNAVAILABLE";

/** An error meant for a protocol client: a code, an actionable message, optional details. */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: Record<string, unknown>; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** A problem the user must fix before the program can go on (bad config, port in use…). */
export class UserFacingError extends Error {
  override name = "UserFacingError";
  readonly exitCode: number;
  constructor(message: string, opts: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.exitCode = opts.exitCode ?? 1;
  }
}

export function isErrno(err: unknown, code: string): err is NodeJS.ErrnoException {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}
