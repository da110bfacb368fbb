import { z } from "zod";
import { GatewayError } from "../../infra/errors.ts";
import { DevicePairingStore, type PairedDevice, type PendingRequest } from "../device-pairing.ts";
import { defineMethod, type MethodContext } from "../method-registry.ts";
import type { NodeSession } from "../node-registry.ts";

// Nodes (reference-gateway §2 "Nodes"; NODE-1…NODE-4): devices paired with role `node` that the
// gateway may call. Pairing reuses the device pairing store; these methods show its node side.

const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;
const MAX_INVOKE_TIMEOUT_MS = 10 * 60_000;

function storeOf(ctx: MethodContext): DevicePairingStore {
  return new DevicePairingStore(ctx.services.paths.stateDir);
}

function isNodeDevice(d: { role?: string | undefined; roles?: string[] | undefined }): boolean {
  return (d.roles ?? (d.role ? [d.role] : [])).includes("node");
}

/** One node as `node.list` shows it: what pairing recorded, and the live connection if any. */
function nodeView(paired: PairedDevice | undefined, live: NodeSession | undefined): Record<string, unknown> {
  return {
    nodeId: paired?.deviceId ?? live?.nodeId,
    displayName: paired?.displayName ?? live?.displayName ?? null,
    platform: live?.platform ?? paired?.platform ?? null,
    version: live?.version ?? null,
    paired: paired !== undefined,
    connected: live !== undefined,
    caps: live?.caps ?? [],
    commands: live?.commands ?? [],
    ...(live?.permissions ? { permissions: live.permissions } : {}),
    ...(live ? { connectedAtMs: live.connectedAtMs, remoteIp: live.remoteIp } : {}),
    ...(paired ? { approvedAtMs: paired.approvedAtMs } : {}),
  };
}

async function nodeViews(ctx: MethodContext): Promise<Record<string, unknown>[]> {
  const paired = (await storeOf(ctx).listPaired()).filter(isNodeDevice);
  const live = new Map(ctx.services.nodes.list().map((n) => [n.nodeId, n]));
  const views = paired.map((p) => nodeView(p, live.get(p.deviceId)));
  for (const [id, n] of live) if (!paired.some((p) => p.deviceId === id)) views.push(nodeView(undefined, n));
  return views;
}

export const nodeList = defineMethod({
  name: "node.list",
  scope: "operator.read",
  params: z.object({}),
  async handle(_p, ctx) {
    return { ts: Date.now(), nodes: await nodeViews(ctx) };
  },
});

export const nodeDescribe = defineMethod({
  name: "node.describe",
  scope: "operator.read",
  params: z.strictObject({ nodeId: z.string().min(1) }),
  async handle(p, ctx) {
    const node = (await nodeViews(ctx)).find((n) => n["nodeId"] === p.nodeId);
    if (!node) throw new GatewayError("INVALID_REQUEST", `unknown node: ${p.nodeId}`);
    return node;
  },
});

export const nodeInvoke = defineMethod({
  name: "node.invoke",
  scope: "operator.write",
  params: z.strictObject({
    nodeId: z.string().min(1),
    command: z.string().min(1).max(200),
    params: z.unknown().optional(),
    timeoutMs: z.number().int().positive().max(MAX_INVOKE_TIMEOUT_MS).optional(),
    idempotencyKey: z.string().min(1).max(200),
  }),
  async handle(p, ctx) {
    const result = await ctx.services.nodes.invoke(
      p.nodeId,
      p.command,
      p.params,
      p.timeoutMs ?? DEFAULT_INVOKE_TIMEOUT_MS,
      p.idempotencyKey,
    );
    return { nodeId: p.nodeId, command: p.command, ...result };
  },
});

export const nodeInvokeResult = defineMethod({
  name: "node.invoke.result",
  scope: "node",
  params: z.strictObject({
    id: z.string().min(1),
    nodeId: z.string().min(1),
    ok: z.boolean(),
    payload: z.unknown().optional(),
    payloadJSON: z.string().optional(),
    error: z.object({ code: z.string().optional(), message: z.string().optional() }).optional(),
  }),
  async handle(p, ctx) {
    const { id, nodeId: _claimed, ...result } = p;
    // Matched by connection, not by the nodeId the frame claims: a node answers only for itself.
    if (!ctx.services.nodes.complete(ctx.caller.connId, id, result))
      throw new GatewayError("INVALID_REQUEST", `unknown invoke id: ${id}`);
    return { ok: true };
  },
});

export const nodeEvent = defineMethod({
  name: "node.event",
  scope: "node",
  params: z.strictObject({
    event: z.string().min(1).max(200),
    payloadJSON: z.string().max(65_536).optional(),
  }),
  async handle(p, ctx) {
    ctx.log.info("node event", { connId: ctx.caller.connId, event: p.event });
    return { ok: true };
  },
});

function pendingView(r: PendingRequest): Record<string, unknown> {
  return {
    requestId: r.requestId,
    nodeId: r.deviceId,
    displayName: r.displayName ?? null,
    platform: r.platform ?? null,
    remoteIp: r.remoteIp ?? null,
    isRepair: r.isRepair ?? false,
    ts: r.ts,
  };
}

export const nodePairList = defineMethod({
  name: "node.pair.list",
  scope: "operator.pairing",
  params: z.object({}),
  async handle(_p, ctx) {
    const store = storeOf(ctx);
    return {
      pending: (await store.listPending(Date.now())).filter(isNodeDevice).map(pendingView),
      paired: await nodeViews(ctx),
    };
  },
});

/** A live pending request for role `node`; a device (operator) request is not a node's to decide. */
async function nodeRequest(ctx: MethodContext, requestId: string): Promise<PendingRequest> {
  const req = (await storeOf(ctx).listPending(Date.now())).find((r) => r.requestId === requestId);
  if (!req || !isNodeDevice(req))
    throw new GatewayError("INVALID_REQUEST", `unknown requestId: ${requestId}`);
  return req;
}

export const nodePairApprove = defineMethod({
  name: "node.pair.approve",
  scope: "operator.pairing",
  params: z.strictObject({ requestId: z.string().min(1) }),
  async handle(p, ctx) {
    const req = await nodeRequest(ctx, p.requestId);
    const now = Date.now();
    const device = await storeOf(ctx).approve(p.requestId, now);
    if (!device) throw new GatewayError("INVALID_REQUEST", `unknown requestId: ${p.requestId}`);
    const resolved = { requestId: p.requestId, nodeId: req.deviceId, decision: "approved", ts: now };
    ctx.services.events.broadcast("node.pair.resolved", resolved);
    ctx.services.events.broadcast("device.pair.resolved", { ...resolved, deviceId: req.deviceId });
    return { requestId: p.requestId, node: nodeView(device, ctx.services.nodes.get(device.deviceId)) };
  },
});

export const nodePairReject = defineMethod({
  name: "node.pair.reject",
  scope: "operator.pairing",
  params: z.strictObject({ requestId: z.string().min(1) }),
  async handle(p, ctx) {
    const req = await nodeRequest(ctx, p.requestId);
    await storeOf(ctx).reject(p.requestId);
    const resolved = { requestId: p.requestId, nodeId: req.deviceId, decision: "rejected", ts: Date.now() };
    ctx.services.events.broadcast("node.pair.resolved", resolved);
    ctx.services.events.broadcast("device.pair.resolved", { ...resolved, deviceId: req.deviceId });
    return { requestId: p.requestId, nodeId: req.deviceId };
  },
});

export const nodeRename = defineMethod({
  name: "node.rename",
  scope: "operator.pairing",
  params: z.strictObject({ nodeId: z.string().min(1), displayName: z.string().trim().min(1).max(200) }),
  async handle(p, ctx) {
    const paired = await storeOf(ctx).get(p.nodeId);
    if (!paired || !isNodeDevice(paired))
      throw new GatewayError("INVALID_REQUEST", `unknown node: ${p.nodeId}`);
    const device = await storeOf(ctx).rename(p.nodeId, p.displayName);
    return nodeView(device, ctx.services.nodes.get(p.nodeId));
  },
});
