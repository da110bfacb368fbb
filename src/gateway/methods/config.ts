import { z } from "zod";
import { isPlainObject, parseJson5 } from "../../config/includes.ts";
import { ConfigError } from "../../config/issues.ts";
import { configJsonSchema } from "../../config/schema.ts";
import { ConfigConflictError } from "../../config/write.ts";
import { GatewayError } from "../../infra/errors.ts";
import { defineMethod, type MethodContext } from "../method-registry.ts";

function snapshotPayload(ctx: MethodContext): Record<string, unknown> {
  const snap = ctx.services.config.current;
  const admin = ctx.caller.scopes.has("operator.admin");
  const redact = (v: unknown): unknown => (admin ? v : ctx.services.logSink.redactor.redact(v));
  return {
    path: snap.path,
    exists: snap.exists,
    raw: admin ? snap.raw : null,
    hash: snap.hash,
    config: redact(snap.source),
    valid: snap.valid,
    issues: snap.errors,
    warnings: snap.warnings,
  };
}

/** Maps writer failures to protocol errors a UI can show field by field. */
async function guardedWrite(
  ctx: MethodContext,
  fn: () => Promise<unknown>,
): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigConflictError)
      throw new GatewayError("INVALID_REQUEST", err.message, {
        details: { code: "CONFIG_BASE_HASH_MISMATCH" },
      });
    if (err instanceof ConfigError) {
      throw new GatewayError(
        "INVALID_REQUEST",
        `${err.message}: ${err.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        {
          details: { issues: err.issues },
        },
      );
    }
    throw err;
  }
  return { ok: true, ...snapshotPayload(ctx) };
}

function parseRawObject(raw: string, label: string): Record<string, unknown> {
  const value = parseJson5(raw, label);
  if (!isPlainObject(value)) throw new GatewayError("INVALID_REQUEST", `${label} must be a JSON5 object`);
  return value;
}

/** RFC 7386 merge patch: objects merge, `null` removes a key, anything else replaces. */
export function mergePatch(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k]))
      out[k] = mergePatch(out[k] as Record<string, unknown>, v);
    else out[k] = isPlainObject(v) ? mergePatch({}, v) : v;
  }
  return out;
}

const WriteParams = z.object({
  raw: z.string(),
  baseHash: z.string().optional(),
  sessionKey: z.string().optional(),
  note: z.string().optional(),
  restartDelayMs: z.number().int().nonnegative().optional(),
});

export const configGet = defineMethod({
  name: "config.get",
  scope: "operator.read",
  params: z.object({}),
  handle: async (_p, ctx) => snapshotPayload(ctx),
});

export const configSet = defineMethod({
  name: "config.set",
  scope: "operator.admin",
  params: WriteParams,
  async handle(p, ctx) {
    const next = parseRawObject(p.raw, "config.set raw");
    return guardedWrite(ctx, () =>
      ctx.services.config.write({ update: () => next, ...(p.baseHash ? { baseHash: p.baseHash } : {}) }),
    );
  },
});

/** Whole-config writes restart parts of the gateway: 3 per minute per device and address (reference §2). */
const CONFIG_WRITE_RATE = { max: 3, windowMs: 60_000 };

export const configApply = defineMethod({
  name: "config.apply",
  scope: "operator.admin",
  params: WriteParams,
  rateLimit: CONFIG_WRITE_RATE,
  async handle(p, ctx) {
    const next = parseRawObject(p.raw, "config.apply raw");
    const result = await guardedWrite(ctx, () =>
      ctx.services.config.write({ update: () => next, ...(p.baseHash ? { baseHash: p.baseHash } : {}) }),
    );
    ctx.services.requestRestart("config.apply");
    return { ...result, restart: { scheduled: true } };
  },
});

export const configPatch = defineMethod({
  name: "config.patch",
  scope: "operator.admin",
  params: WriteParams,
  rateLimit: CONFIG_WRITE_RATE,
  async handle(p, ctx) {
    const patch = parseRawObject(p.raw, "config.patch raw");
    if (ctx.services.config.current.exists && !p.baseHash) {
      throw new GatewayError(
        "INVALID_REQUEST",
        "config.patch requires baseHash when a config file exists (read it with config.get)",
      );
    }
    return guardedWrite(ctx, () =>
      ctx.services.config.write({
        update: (cur) => mergePatch(cur, patch),
        ...(p.baseHash ? { baseHash: p.baseHash } : {}),
      }),
    );
  },
});

export const configSchema = defineMethod({
  name: "config.schema",
  scope: "operator.admin",
  params: z.object({}),
  handle: async (_p, ctx) => ({
    schema: configJsonSchema(),
    uiHints: {},
    version: ctx.services.version,
    generatedAt: new Date().toISOString(),
  }),
});
