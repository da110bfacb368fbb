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

export class MethodRegistry {
  readonly #methods = new Map<string, MethodDef>();

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
      return { ok: true, payload: await def.handle(parsed.data, ctx) };
    } catch (err) {
      return { ok: false, error: toErrorShape(err, ctx.log) };
    }
  }
}
