import type { AccountConfig, ChannelAdapter, InboundMessage, OutboundTarget } from "../channels/adapter.ts";
import { chunkText } from "../channels/chunk.ts";
import type { DmPolicy, GroupPolicy } from "../config/schema/common.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Logger } from "../infra/logger.ts";
import { normalizeAgentId } from "../sessions/session-key.ts";
import { readAllowStore } from "./access/allow-store.ts";
import { decideDm } from "./access/dm-policy.ts";
import { decideGroup, type GroupEntry, matchesMentionPattern } from "./access/group-policy.ts";
import { pairingReplyText, upsertPairingRequest } from "./access/pairing-store.ts";
import { type RouteFacts, resolveAgentRoute } from "./agent-route.ts";
import { type DmScope, sessionKeyFor } from "./session-route.ts";

/** The keys of a channel account this pipeline reads (reference-agent §4, §5.1). */
interface AccessView {
  dmPolicy?: DmPolicy;
  allowFrom?: (string | number)[];
  dm?: { policy?: DmPolicy; allowFrom?: (string | number)[] };
  groupPolicy?: GroupPolicy;
  groupAllowFrom?: (string | number)[];
  groups?: Record<string, GroupEntry>;
  textChunkLimit?: number;
}

export interface RunOutcome {
  status: "ok" | "error" | "aborted";
  reply: string;
  error?: string;
}

export interface RunInboundRequest {
  sessionKey: string;
  agentId: string;
  text: string;
  channel: string;
  idempotencyKey: string;
}

export interface InboundDeps {
  config: () => OpenClawConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
  /** Runs the agent turn (through the session's lane) and resolves with its end. */
  run(req: RunInboundRequest): Promise<RunOutcome>;
}

export type InboundOutcome =
  | { type: "answered"; sessionKey: string; parts: number }
  | { type: "silent"; sessionKey: string }
  | { type: "pairing"; code: string | undefined }
  | { type: "dropped"; reason: string };

function isCommand(text: string): boolean {
  return /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?(\s|$)/.test(text.trim());
}

/** The model's "nothing to say" token (reference-agent §1.5): never sent to the chat. */
const SILENT_REPLY = "NO_REPLY";

/**
 * The path of one chat message (DESIGN.md §4): access control → mention gating → session key →
 * agent run → chunked delivery through the adapter. Blocked messages are logged with their
 * reason (ACC-11). Throws when delivery finally fails, or with the signal's reason on shutdown,
 * so the caller can keep the message for a retry.
 */
export async function handleInbound(
  msg: InboundMessage,
  adapter: ChannelAdapter,
  account: AccountConfig,
  deps: InboundDeps,
  signal: AbortSignal,
): Promise<InboundOutcome> {
  const cfg = account as AccessView;
  const config = deps.config();
  const log = deps.log;
  const prefixes = adapter.capabilities.allowFromPrefixes;
  const where = { channel: msg.channel, accountId: msg.accountId, chatId: msg.chatId, fromId: msg.sender.id };
  log.info("inbound message", { ...where, chatType: msg.chatType, username: msg.sender.username });
  const to: OutboundTarget = { chatId: msg.chatId, ...(msg.threadId ? { threadId: msg.threadId } : {}) };

  if (msg.chatType === "direct") {
    const configured = cfg.allowFrom ?? cfg.dm?.allowFrom ?? [];
    const stored = await readAllowStore(deps.stateDir, msg.channel, msg.accountId);
    const decision = decideDm({
      policy: cfg.dmPolicy ?? cfg.dm?.policy ?? "pairing",
      allowFrom: [...configured, ...stored],
      sender: msg.sender,
      prefixes,
    });
    if (decision.type === "drop") return dropped(log, decision.reason, where);
    // Command-only messages of unknown senders are ignored (reference-agent §4.6): Telegram's
    // `/start` on opening a bot does not produce a code; the first ordinary message does (TG-4).
    if (decision.type === "pair" && isCommand(msg.text))
      return dropped(log, "command from an unknown sender", where);
    if (decision.type === "pair") return offerPairing(msg, adapter, to, deps, signal);
  } else {
    const decision = decideGroup({
      policy: cfg.groupPolicy ?? config.channels?.defaults?.groupPolicy ?? "allowlist",
      groups: adapter.groupEntries ? adapter.groupEntries(account, msg) : cfg.groups,
      groupAllowFrom: cfg.groupAllowFrom,
      allowFrom: cfg.allowFrom,
      chatId: msg.chatId,
      sender: msg.sender,
      prefixes,
    });
    if (decision.type === "drop") return dropped(log, decision.reason, where);
    if (decision.requireMention && !isMentioned(msg, config, routedAgentId(msg, config), log))
      return dropped(log, "no mention", where);
  }

  const agentId = routedAgentId(msg, config);
  const sessionKey = sessionKeyFor({
    agentId,
    channel: msg.channel,
    accountId: msg.accountId,
    chatType: msg.chatType,
    chatId: msg.chatId,
    peerId: msg.sender.id,
    threadId: msg.threadId,
    dmScope: (config.session?.dmScope ?? "main") as DmScope,
    identityLinks: config.session?.identityLinks,
  });
  const result = await withTyping(adapter, to, signal, log, () =>
    deps.run({
      sessionKey,
      agentId,
      text: msg.text,
      channel: msg.channel,
      idempotencyKey: `${msg.channel}:${msg.accountId}:${msg.key}`,
    }),
  );
  signal.throwIfAborted(); // a run cut short by shutdown is answered after the restart
  const text = replyText(result);
  if (text === undefined) return { type: "silent", sessionKey };
  const limit = Math.min(
    cfg.textChunkLimit ?? adapter.capabilities.defaultChunkChars,
    adapter.capabilities.maxTextChars,
  );
  const parts = chunkText(text, limit);
  for (const part of parts) await adapter.send(to, { type: "text", text: part }, signal);
  return { type: "answered", sessionKey, parts: parts.length };
}

function dropped(log: Logger, reason: string, where: Record<string, unknown>): InboundOutcome {
  log.info(`inbound message blocked: ${reason}`, where);
  return { type: "dropped", reason };
}

async function offerPairing(
  msg: InboundMessage,
  adapter: ChannelAdapter,
  to: OutboundTarget,
  deps: InboundDeps,
  signal: AbortSignal,
): Promise<InboundOutcome> {
  const result = await upsertPairingRequest({
    stateDir: deps.stateDir,
    channel: msg.channel,
    accountId: msg.accountId,
    senderId: msg.sender.id,
    meta: { username: msg.sender.username, firstName: msg.sender.firstName, lastName: msg.sender.lastName },
    now: deps.now(),
  });
  const where = { channel: msg.channel, accountId: msg.accountId, fromId: msg.sender.id };
  if (result.type === "full") {
    deps.log.info("inbound message blocked: unknown sender, 3 pairing requests already pending", where);
    return { type: "pairing", code: undefined };
  }
  deps.log.info("inbound message blocked: unknown sender; pairing requested", {
    ...where,
    fresh: result.type,
  });
  if (result.type === "created") {
    const text = pairingReplyText(msg.channel, adapter.capabilities.label, msg.sender.id, result.code);
    await adapter.send(to, { type: "text", text }, signal);
  }
  return { type: "pairing", code: result.code };
}

/**
 * The agent bound to this message (MA-2/MA-3). Access control ran before, per account, so it is
 * shared by every agent bound to that account (MA-5).
 */
function routedAgentId(msg: InboundMessage, config: OpenClawConfig): string {
  const chat = { kind: msg.chatType, id: msg.chatType === "direct" ? msg.sender.id : msg.chatId };
  // A thread or forum topic is a peer of its own (`<chat>:topic:<id>`, as its session key names
  // it); a binding of the whole chat still covers it through the parent tier.
  const threaded = msg.threadId !== undefined && msg.chatType !== "direct";
  const facts: RouteFacts = {
    channel: msg.channel,
    accountId: msg.accountId,
    peer: threaded ? { kind: chat.kind, id: `${chat.id}:topic:${msg.threadId}` } : chat,
    parentPeer: threaded ? chat : undefined,
    guildId: msg.guildId,
    teamId: msg.teamId,
  };
  return resolveAgentRoute(config, facts).agentId;
}

/** Mention patterns are the routed agent's own (`agents.list[].groupChat`), else `messages.groupChat`. */
function isMentioned(msg: InboundMessage, config: OpenClawConfig, agentId: string, log: Logger): boolean {
  if (msg.mentionsBot || msg.repliesToBot) return true;
  const agent = config.agents?.list?.find((a) => normalizeAgentId(a.id) === agentId);
  const patterns = agent?.groupChat?.mentionPatterns ?? config.messages?.groupChat?.mentionPatterns ?? [];
  return matchesMentionPattern(msg.text, patterns, (pattern, err) =>
    log.warn("ignoring an invalid mentionPatterns entry", { pattern, err }),
  );
}

/** What to send for a finished run; `undefined` for nothing (NO_REPLY, empty, stopped by the user). */
function replyText(result: RunOutcome): string | undefined {
  if (result.status === "error" && result.reply.trim() === "")
    return `⚠️ ${result.error ?? "The agent failed before replying."}`;
  const text = result.reply.trim();
  if (text === "" || text === SILENT_REPLY) return undefined;
  return text;
}

/** Keeps the typing indicator up while `work` runs; a failed indicator never fails the message. */
async function withTyping<T>(
  adapter: ChannelAdapter,
  to: OutboundTarget,
  signal: AbortSignal,
  log: Logger,
  work: () => Promise<T>,
): Promise<T> {
  const ttl = adapter.capabilities.typingTtlMs;
  if (ttl === undefined) return work();
  const stop = new AbortController();
  const typingSignal = AbortSignal.any([signal, stop.signal]);
  const show = (): void => {
    adapter.sendTyping(to, typingSignal).catch((err: unknown) => {
      if (!typingSignal.aborted) log.debug("typing indicator failed", { err });
    });
  };
  show();
  const timer = setInterval(show, Math.max(1000, ttl - 1000));
  try {
    return await work();
  } finally {
    clearInterval(timer);
    stop.abort();
  }
}
