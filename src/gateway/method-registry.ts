import type { z } from "zod";
import { GatewayError } from "../infra/errors.ts";
import type { Logger } from "../infra/logger.ts";
import type { ErrorShape } from "../protocol/frames.ts";
import type { GatewayServices } from "./services.ts";

/** What a method may require of its caller (reference-gateway §2, "Authorization"). */
export type MethodScope =
  | "open"
  | "operator.read"
  | "operator.write"
  | "operator.admin"
  | "operator.approvals"
  | "operator.pairing"
  /** Only a connection with role `node` may call it (`node.invoke.result`, `node.event`). */
  | "node";

export interface CallerInfo {
  connId: string;
  /** The verified device identity of the connection, if it presented one. */
  deviceId?: string | undefined;
  role: string;
  scopes: ReadonlySet<string>;
  clientId: string;
  clientMode: string;
  remoteAddress: string;
}

export interface MethodContext {
  caller: CallerInfo;
  services: GatewayServices;
  log: Logger;
  /** Sends an intermediate `res` with the same id (the `agent` method's "accepted" frame). */
  ack(payload: unknown): void;
  /** Aborts when the connection closes. */
  signal: AbortSignal;
}

export interface MethodDef<P extends z.ZodType = z.ZodType> {
  name: string;
  scope: MethodScope;
  params: P;
  /** At most `max` calls per `windowMs` per device and address (reference §2: config writes 3/60 s). */
  rateLimit?: { max: number; windowMs: number };
  handle(params: z.output<P>, ctx: MethodContext): Promise<unknown>;
}

/** Declares a method; `params` is validated before `handle` ever runs. */
export function defineMethod<P extends z.ZodType>(def: MethodDef<P>): MethodDef<P> {
  return def;
}

/** operator.admin may call anything; operator.write also satisfies operator.read. */
export function hasScope(granted: ReadonlySet<string>, required: MethodScope): boolean {
  if (required === "node") return false; // a role, not a scope: no operator scope grants it
  if (required === "open" || granted.has("operator.admin")) return true;
  if (required === "operator.read" && granted.has("operator.write")) return true;
  return granted.has(required);
}

export type MethodOutcome = { ok: true; payload: unknown } | { ok: false; error: ErrorShape };

/** The one place an error becomes a wire ErrorShape. Internals never leak. */
export function toErrorShape(err: unknown, log: Logger): ErrorShape {
  if (err instanceof GatewayError) {
    return {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
      ...(err.retryAfterMs !== undefined ? { retryable: true, retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  log.error("method failed", { err });
  return { code: "UNAVAILABLE", message: "internal error" };
}

/** Rate-limit windows kept at once; past this the oldest are forgotten (a flood of addresses). */
const MAX_RATE_WINDOWS = 10_000;

export class MethodRegistry {
  readonly #methods = new Map<string, MethodDef>();
  /** Call times per method, device and address, for methods with a `rateLimit`. */
  readonly #windows = new Map<string, number[]>();

  constructor(defs: MethodDef[]) {
    for (const d of defs) this.#methods.set(d.name, d);
  }

  names(): string[] {
    return [...this.#methods.keys()];
  }

  /** Validates, authorizes and runs one request; always resolves to a response outcome. */
  async dispatch(method: string, params: unknown, ctx: MethodContext): Promise<MethodOutcome> {
    const def = this.#methods.get(method);
    if (!def) return { ok: false, error: { code: "INVALID_REQUEST", message: `unknown method: ${method}` } };
    const roleAllowed =
      def.scope === "node"
        ? ctx.caller.role === "node"
        : ctx.caller.role === "operator" || def.scope === "open";
    if (!roleAllowed) {
      return {
        ok: false,
        error: { code: "INVALID_REQUEST", message: `unauthorized role: ${ctx.caller.role}` },
      };
    }
    if (def.scope !== "node" && !hasScope(ctx.caller.scopes, def.scope)) {
      return { ok: false, error: { code: "INVALID_REQUEST", message: `missing scope: ${def.scope}` } };
    }
    const rateKey = def.rateLimit
      ? `${def.name}\0${ctx.caller.deviceId ?? ""}\0${ctx.caller.remoteAddress}`
      : undefined;
    const limited = rateKey ? this.#retryAfter(rateKey, def.rateLimit!, Date.now()) : undefined;
    if (limited !== undefined) {
      const seconds = Math.ceil(limited / 1000);
      return {
        ok: false,
        error: {
          code: "UNAVAILABLE",
          message: `rate limit exceeded for ${method}; retry after ${seconds}s`,
          retryable: true,
          retryAfterMs: limited,
        },
      };
    }
    const parsed = def.params.safeParse(params ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`);
      return {
        ok: false,
        error: {
          code: "INVALID_REQUEST",
          message: `invalid ${method} params: ${issues.join("; ")}`,
          details: { issues },
        },
      };
    }
    try {
      const payload = await def.handle(parsed.data, ctx);
      // Only calls that did something count: a refused write (stale hash, invalid config) can be
      // corrected and retried at once.
      if (rateKey) this.#recordCall(rateKey, Date.now());
      return { ok: true, payload };
    } catch (err) {
      return { ok: false, error: toErrorShape(err, ctx.log) };
    }
  }

  /** The milliseconds until `key` may call again, or undefined when it may now. */
  #retryAfter(key: string, limit: { max: number; windowMs: number }, now: number): number | undefined {
    const recent = (this.#windows.get(key) ?? []).filter((t) => now - t < limit.windowMs);
    if (recent.length > 0) this.#windows.set(key, recent);
    else this.#windows.delete(key);
    return recent.length >= limit.max ? limit.windowMs - (now - (recent[0] as number)) : undefined;
  }

  #recordCall(key: string, now: number): void {
    const recent = this.#windows.get(key) ?? [];
    recent.push(now);
    this.#windows.delete(key); // re-insert: the map's order is then least recently used first
    this.#windows.set(key, recent);
    if (this.#windows.size > MAX_RATE_WINDOWS)
      this.#windows.delete(this.#windows.keys().next().value as string);
  }
}
