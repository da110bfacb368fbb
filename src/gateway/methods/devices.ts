import { z } from "zod";
import { GatewayError } from "../../infra/errors.ts";
import { OPERATOR_SCOPES } from "../../protocol/frames.ts";
import { DevicePairingStore, type PairedDevice } from "../device-pairing.ts";
import { defineMethod, type MethodContext } from "../method-registry.ts";

// Device pairing and token methods (reference-gateway §2 "Devices"; scope operator.pairing).

function storeOf(ctx: MethodContext): DevicePairingStore {
  return new DevicePairingStore(ctx.services.paths.stateDir);
}

/** A paired device as clients see it: token metadata, never a token or its hash. */
function publicView(d: PairedDevice): Record<string, unknown> {
  const { tokens, ...rest } = d;
  return {
    ...rest,
    tokens: Object.values(tokens ?? {}).map((t) => ({
      role: t.role,
      scopes: t.scopes,
      createdAtMs: t.createdAtMs,
      ...(t.rotatedAtMs !== undefined ? { rotatedAtMs: t.rotatedAtMs } : {}),
    })),
  };
}

function unknownRequest(requestId: string): GatewayError {
  return new GatewayError("INVALID_REQUEST", `unknown requestId: ${requestId}`);
}

export const devicePairList = defineMethod({
  name: "device.pair.list",
  scope: "operator.pairing",
  params: z.object({}),
  async handle(_p, ctx) {
    const store = storeOf(ctx);
    return {
      pending: await store.listPending(Date.now()),
      paired: (await store.listPaired()).map(publicView),
    };
  },
});

export const devicePairApprove = defineMethod({
  name: "device.pair.approve",
  scope: "operator.pairing",
  params: z.strictObject({ requestId: z.string().min(1) }),
  async handle(p, ctx) {
    const now = Date.now();
    const device = await storeOf(ctx).approve(p.requestId, now);
    if (!device) throw unknownRequest(p.requestId);
    ctx.services.events.broadcast("device.pair.resolved", {
      requestId: p.requestId,
      deviceId: device.deviceId,
      decision: "approved",
      ts: now,
    });
    return { requestId: p.requestId, device: publicView(device) };
  },
});

export const devicePairReject = defineMethod({
  name: "device.pair.reject",
  scope: "operator.pairing",
  params: z.strictObject({ requestId: z.string().min(1) }),
  async handle(p, ctx) {
    const req = await storeOf(ctx).reject(p.requestId);
    if (!req) throw unknownRequest(p.requestId);
    ctx.services.events.broadcast("device.pair.resolved", {
      requestId: p.requestId,
      deviceId: req.deviceId,
      decision: "rejected",
      ts: Date.now(),
    });
    return { requestId: p.requestId, deviceId: req.deviceId };
  },
});

export const devicePairRemove = defineMethod({
  name: "device.pair.remove",
  scope: "operator.pairing",
  params: z.strictObject({ deviceId: z.string().min(1) }),
  async handle(p, ctx) {
    if (!(await storeOf(ctx).remove(p.deviceId)))
      throw new GatewayError("INVALID_REQUEST", `unknown deviceId: ${p.deviceId}`);
    return { deviceId: p.deviceId, removedAtMs: Date.now() };
  },
});

const Role = z.enum(["operator", "node"]);

export const deviceTokenRotate = defineMethod({
  name: "device.token.rotate",
  scope: "operator.pairing",
  params: z.strictObject({
    deviceId: z.string().min(1),
    role: Role,
    scopes: z.array(z.enum(OPERATOR_SCOPES)).optional(),
  }),
  async handle(p, ctx) {
    const store = storeOf(ctx);
    const device = await store.get(p.deviceId);
    if (!device) throw new GatewayError("INVALID_REQUEST", `unknown deviceId: ${p.deviceId}`);
    const roles = device.roles ?? (device.role ? [device.role] : []);
    if (!roles.includes(p.role))
      throw new GatewayError("INVALID_REQUEST", `device ${p.deviceId} is not paired for role ${p.role}`);
    const approved = device.approvedScopes ?? device.scopes ?? [];
    const scopes = p.role === "operator" ? (p.scopes ?? approved) : [];
    // A rotation may narrow a token, never widen it past what the device was approved for.
    const beyond = scopes.filter((s) => !approved.includes(s));
    if (beyond.length)
      throw new GatewayError("INVALID_REQUEST", `scopes not approved for this device: ${beyond.join(", ")}`);
    const now = Date.now();
    const token = await store.issueToken(p.deviceId, p.role, scopes, now);
    return { deviceId: p.deviceId, role: p.role, token, scopes: [...scopes].sort(), rotatedAtMs: now };
  },
});

export const deviceTokenRevoke = defineMethod({
  name: "device.token.revoke",
  scope: "operator.pairing",
  params: z.strictObject({ deviceId: z.string().min(1), role: Role }),
  async handle(p, ctx) {
    if (!(await storeOf(ctx).revokeToken(p.deviceId, p.role)))
      throw new GatewayError("INVALID_REQUEST", `no ${p.role} token for device ${p.deviceId}`);
    return { deviceId: p.deviceId, role: p.role, revokedAtMs: Date.now() };
  },
});
