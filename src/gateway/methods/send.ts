import { z } from "zod";
import { defaultAgentId, resolveAgent } from "../../agents/agent-config.ts";
import {
  CHANNEL_IDS,
  type ChannelAdapter,
  type ChannelId,
  type OutboundPart,
  type OutboundTarget,
} from "../../channels/adapter.ts";
import { chunkForChannel } from "../../channels/chunk.ts";
import { MediaSourceError, MediaTooLargeError } from "../../channels/media/errors.ts";
import { outboundKind, outboundLimit } from "../../channels/media/limits.ts";
import { loadOutboundMedia } from "../../channels/media/outbound-media.ts";
import { OutboundTargetError, parseOutboundTarget } from "../../channels/outbound-target.ts";
import { GatewayError } from "../../infra/errors.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";
import { defineMethod, type MethodContext } from "../method-registry.ts";

/** How long a finished send answers a retry with the same idempotency key (OpenClaw: 5 min, 1000 keys). */
const DEDUPE_TTL_MS = 5 * 60_000;
const DEDUPE_MAX = 1000;

const SendParams = z.object({
  to: z.string().min(1),
  message: z.string().optional(),
  mediaUrl: z.string().min(1).optional(),
  mediaUrls: z.array(z.string().min(1)).optional(),
  gifPlayback: z.boolean().optional(),
  channel: z.string().optional(),
  accountId: z.string().optional(),
  agentId: z.string().optional(),
  threadId: z.union([z.string(), z.number()]).optional(),
  sessionKey: z.string().optional(),
  idempotencyKey: z.string().min(1),
});
type SendParams = z.output<typeof SendParams>;

export interface SendResult {
  runId: string;
  channel: ChannelId;
  chatId: string;
  /** The platform id of the last message sent (with several chunks, each is in `messageIds`). */
  messageId: string;
  messageIds: string[];
}

/**
 * `send` (reference-gateway §2; scope operator.write): delivers a message through a running channel
 * account, chunked like replies, with `mediaUrl(s)` after the text. A retry with the same
 * `idempotencyKey` within five minutes gets the first call's result and sends nothing again.
 * Built per server (the dedupe window lives with it), not a module singleton.
 */
export function createSendMethod() {
  const recent = new Map<string, { at: number; result: Promise<SendResult> }>();
  return defineMethod({
    name: "send",
    scope: "operator.write",
    params: SendParams,
    async handle(p, ctx) {
      const now = Date.now();
      for (const [k, v] of recent)
        if (now - v.at > DEDUPE_TTL_MS || recent.size > DEDUPE_MAX) recent.delete(k);
      const seen = recent.get(p.idempotencyKey);
      if (seen) return seen.result;
      const result = deliver(p, ctx);
      recent.set(p.idempotencyKey, { at: now, result });
      // A failed send may be retried with the same key.
      result.catch(() => recent.delete(p.idempotencyKey));
      return result;
    },
  });
}

async function deliver(p: SendParams, ctx: MethodContext): Promise<SendResult> {
  const text = p.message?.trim() ?? "";
  const media = [...(p.mediaUrl ? [p.mediaUrl] : []), ...(p.mediaUrls ?? [])];
  if (text === "" && media.length === 0)
    throw new GatewayError("INVALID_REQUEST", "send needs message or mediaUrl");
  const channel = pickChannel(p.channel, ctx);
  let to: OutboundTarget;
  try {
    to = parseOutboundTarget(channel, p.to, p.threadId === undefined ? undefined : String(p.threadId));
  } catch (err) {
    if (err instanceof OutboundTargetError) throw new GatewayError("INVALID_REQUEST", err.message);
    throw err;
  }
  const running = ctx.services.channels()?.outbound(channel, p.accountId);
  if (!running)
    throw new GatewayError(
      "UNAVAILABLE",
      `${channel}${p.accountId ? ` account ${p.accountId}` : ""} is not running (see openclaw channels status)`,
    );
  const { adapter, account } = running;
  const parts: OutboundPart[] = textParts(text, adapter, account);
  for (const source of media) parts.push(await mediaPart(source, p.agentId, adapter, account, ctx));
  const ids: string[] = [];
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(120_000)]);
  for (const part of parts) ids.push((await adapter.send(to, part, signal)).messageId);
  ctx.log.info("message sent", {
    channel,
    accountId: adapter.accountId,
    chatId: to.chatId,
    parts: parts.length,
  });
  return {
    runId: p.idempotencyKey,
    channel,
    chatId: to.chatId,
    messageId: ids.at(-1) ?? "",
    messageIds: ids,
  };
}

/** The named channel, or the only one configured. */
function pickChannel(raw: string | undefined, ctx: MethodContext): ChannelId {
  const name = raw?.trim().toLowerCase();
  if (name) {
    const id = CHANNEL_IDS.find((c) => c === name);
    if (!id) throw new GatewayError("INVALID_REQUEST", `unknown channel: ${raw}`);
    return id;
  }
  const running = ctx.services.channelsStatus()?.channelOrder ?? [];
  if (running.length === 1) return running[0]!;
  throw new GatewayError("INVALID_REQUEST", "channel is required (more than one channel is configured)");
}

/** The text in chunks within the account's limit, as replies are chunked (reference-agent §5.1). */
function textParts(text: string, adapter: ChannelAdapter, account: Record<string, unknown>): OutboundPart[] {
  if (text === "") return [];
  return chunkForChannel(text, adapter.capabilities, account).map((chunk) => ({ type: "text", text: chunk }));
}

/**
 * One attachment (MED-1 rules): a URL, or a path inside the agent's workspace or `<stateDir>/media`.
 * Unlike a reply, a file that cannot go fails the whole call before anything is sent.
 */
async function mediaPart(
  source: string,
  agentId: string | undefined,
  adapter: ChannelAdapter,
  account: Record<string, unknown>,
  ctx: MethodContext,
): Promise<OutboundPart> {
  const config = ctx.services.config.current.config;
  const maxMb = typeof account["mediaMaxMb"] === "number" ? account["mediaMaxMb"] : undefined;
  const limit = outboundLimit(adapter.channel, maxMb, adapter.capabilities);
  if (!limit)
    throw new GatewayError("INVALID_REQUEST", `${adapter.capabilities.label} cannot send files here`);
  const agent = resolveAgent(
    config,
    normalizeAgentId(agentId ?? defaultAgentId(config)),
    ctx.services.paths.stateDir,
    ctx.services.env,
  );
  const roots = { workspaceDir: agent.workspaceDir, stateDir: ctx.services.paths.stateDir };
  try {
    const loaded = await loadOutboundMedia(source, roots, limit.maxBytes, ctx.signal);
    const decided = outboundKind(loaded.mimeType, loaded.data.byteLength, limit, adapter.capabilities);
    if ("tooLarge" in decided) throw new GatewayError("INVALID_REQUEST", `${source}: ${decided.tooLarge}`);
    return { type: "media", kind: decided.kind, ...loaded };
  } catch (err) {
    if (err instanceof MediaTooLargeError)
      throw new GatewayError("INVALID_REQUEST", `${source}: ${err.message} (${limit.source})`);
    if (err instanceof MediaSourceError)
      throw new GatewayError("INVALID_REQUEST", `${source}: ${err.message}`);
    throw err;
  }
}
