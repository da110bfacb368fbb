import { resolveAgent } from "../agents/agent-config.ts";
import { splitMediaDirectives } from "../agents/reply-directives.ts";
import { parseReplyTags } from "../agents/reply-tags.ts";
import type { AccountConfig, ChannelAdapter, InboundMessage, OutboundTarget } from "../channels/adapter.ts";
import { chunkForChannel } from "../channels/chunk.ts";
import { fetchInboundMedia, type ImageInput } from "../channels/media/inbound-media.ts";
import { inboundLimit } from "../channels/media/limits.ts";
import { sendReplyMedia } from "../channels/media/send-media.ts";
import type { DmPolicy, GroupPolicy } from "../config/schema/common.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Logger } from "../infra/logger.ts";
import { normalizeAgentId } from "../sessions/session-key.ts";
import { readAllowStore } from "./access/allow-store.ts";
import { decideDm } from "./access/dm-policy.ts";
import { decideGroup, type GroupEntry, matchesMentionPattern } from "./access/group-policy.ts";
import { pairingReplyText, upsertPairingRequest } from "./access/pairing-store.ts";
import { acknowledge, ackReactionFor } from "./ack-reaction.ts";
import { type RouteFacts, resolveAgentRoute } from "./agent-route.ts";
import type { CommandSender } from "./commands/authorize.ts";
import {
  type ChatCommandGate,
  chatCommandGate,
  progressSender,
  splitInlineShortcuts,
} from "./commands/chat-gate.ts";
import { type DmScope, sessionKeyFor, threadPeerSuffix } from "./session-route.ts";
import { type RunActivity, withTyping } from "./typing-indicator.ts";
import { typingIntervalMs, typingStartFor } from "./typing-policy.ts";

/** The keys of a channel account this pipeline reads (reference-agent §4, §5.1). */
interface AccessView {
  dmPolicy?: DmPolicy;
  allowFrom?: (string | number)[];
  dm?: { policy?: DmPolicy; allowFrom?: (string | number)[] };
  groupPolicy?: GroupPolicy;
  groupAllowFrom?: (string | number)[];
  groups?: Record<string, GroupEntry>;
  textChunkLimit?: number;
  mediaMaxMb?: number;
  ackReaction?: string;
}

export interface RunOutcome {
  status: "ok" | "error" | "aborted";
  reply: string;
  error?: string;
  /**
   * For a message another run answered (merged into a collect turn or steered into the active
   * run; reference-agent §3.7): settles once that run's reply was handed over. Nothing to send here.
   */
  answered?: Promise<void>;
  /** For a run that also answered other messages: report the reply handed over (sent or given up). */
  delivered?: () => void;
}

export interface RunInboundRequest {
  sessionKey: string;
  agentId: string;
  text: string;
  channel: string;
  idempotencyKey: string;
  /** The chat the reply goes to: only messages of one route are merged into one turn. */
  route: string;
  /** This pipeline delivers the reply and reports it through `RunOutcome.delivered`. */
  awaitDelivery: true;
  /** Pictures attached to the message, for the model (MED-5). */
  images?: ImageInput[];
  /** Who sent it and what they may run (reference-agent §3.9). */
  sender?: CommandSender;
  /** Messages for the chat besides the answer (`/verbose`, `/reasoning`), in order. */
  progress?: (text: string) => void;
  /** The run's start and streamed text, which switch the typing indicator on (MED-7). */
  activity?: (ev: RunActivity) => void;
}

export interface InboundDeps {
  config: () => OpenClawConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
  /** Runs the agent turn (through the session's lane) and resolves with its end. */
  run(req: RunInboundRequest): Promise<RunOutcome>;
  /** Told once the message is in its session's queue (the chat's next message may follow). */
  accepted?: () => void;
  /** The gateway's environment: where agent workspaces are (`MEDIA:` paths resolve there). */
  env?: NodeJS.ProcessEnv;
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
  let gate: ChatCommandGate;

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
    // The owner fallback is the configured list: a sender approved by pairing is not the owner.
    gate = chatCommandGate(msg, adapter, config, decision.type === "allow", configured);
    if (decision.type === "allow" && gate.commandOnly && !gate.sender.authorized)
      return dropped(log, "command from an unauthorised sender", where);
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
    gate = chatCommandGate(msg, adapter, config, true, cfg.allowFrom ?? []);
    if (gate.commandOnly && !gate.sender.authorized)
      return dropped(log, "command from an unauthorised sender", where);
    // An authorised sender's command-only message needs no mention (reference-agent §3.9).
    if (
      decision.requireMention &&
      !gate.commandOnly &&
      !isMentioned(msg, config, routedAgentId(msg, config, adapter), log)
    )
      return dropped(log, "no mention", where);
  }

  const agentId = routedAgentId(msg, config, adapter);
  const sessionKey = sessionKeyFor({
    agentId,
    channel: msg.channel,
    accountId: msg.accountId,
    chatType: msg.chatType,
    chatId: msg.chatId,
    peerId: msg.sender.id,
    threadId: msg.threadId,
    threadSuffix: adapter.capabilities.threadSessionSuffix,
    dmScope: (config.session?.dmScope ?? "main") as DmScope,
    identityLinks: config.session?.identityLinks,
  });
  const mentioned = msg.chatType !== "direct" && isMentioned(msg, config, agentId, log);
  // "Seen, working on it" (MED-8): in the background, never holding the message up.
  const ack = acknowledge(
    adapter,
    to,
    msg.messageId,
    ackReactionFor(config, {
      chatType: msg.chatType,
      mentioned,
      agentId,
      accountAckReaction: cfg.ackReaction,
    }),
    log,
    signal,
  );
  // Files are fetched only now, for a message that will be answered (the inbox keeps handles).
  const media = msg.media?.length
    ? await fetchInboundMedia(
        msg,
        adapter,
        {
          stateDir: deps.stateDir,
          limit: inboundLimit(
            msg.channel,
            cfg.mediaMaxMb,
            config.agents?.defaults?.mediaMaxMb,
            adapter.capabilities,
          ),
          maxEdgePx: config.agents?.defaults?.imageMaxDimensionPx ?? 1200,
          log,
        },
        signal,
      )
    : undefined;
  const route = `${msg.channel}:${msg.accountId}:${msg.chatId}:${msg.threadId ?? ""}`;
  // Inline shortcuts (`hey /status`) are answered first and stripped; the rest goes on (CMD-2).
  const inline = gate.sender.authorized ? splitInlineShortcuts(msg.text) : { shortcuts: [], rest: msg.text };
  for (const [i, shortcut] of inline.shortcuts.entries()) {
    const answer = await deps.run({
      sessionKey,
      agentId,
      text: shortcut,
      channel: msg.channel,
      idempotencyKey: `${msg.channel}:${msg.accountId}:${msg.key}:inline:${i}`,
      route,
      awaitDelivery: true,
      sender: gate.sender,
    });
    if (answer.reply.trim() !== "") await adapter.send(to, { type: "text", text: answer.reply }, signal);
  }
  if (inline.shortcuts.length > 0 && inline.rest === "" && !media) return { type: "silent", sessionKey };
  const shown = progressSender(adapter, to, signal, log);
  const typing = {
    start: typingStartFor(config, { chatType: msg.chatType, mentioned }),
    intervalMs: (ttlMs: number) => typingIntervalMs(config, ttlMs),
  };
  const result = await withTyping(adapter, to, typing, signal, log, (activity) => {
    const running = deps.run({
      sessionKey,
      agentId,
      activity,
      sender: gate.sender,
      progress: shown.progress,
      text: media ? [inline.rest, ...media.notes].filter((t) => t !== "").join("\n") : inline.rest,
      ...(media?.images.length ? { images: media.images } : {}),
      channel: msg.channel,
      idempotencyKey: `${msg.channel}:${msg.accountId}:${msg.key}`,
      route,
      awaitDelivery: true,
    });
    deps.accepted?.();
    return running;
  });
  if (result.answered) {
    // Answered by another message's run: handled once that answer is out.
    await result.answered;
    signal.throwIfAborted();
    return { type: "silent", sessionKey };
  }
  try {
    signal.throwIfAborted(); // a run cut short by shutdown is answered after the restart
    await shown.flush(); // tool calls and reasoning go out before the answer
    const reply = replyText(result);
    if (reply === undefined) return { type: "silent", sessionKey };
    // A leading `[[reply_to_current]]` / `[[reply_to:<id>]]` quotes a message; `<think>` is hidden.
    const tagged = parseReplyTags(reply);
    if (tagged.text.trim() === SILENT_REPLY) return { type: "silent", sessionKey };
    const quoted: OutboundTarget = tagged.replyTo
      ? { ...to, replyTo: tagged.replyTo.type === "current" ? msg.messageId : tagged.replyTo.id }
      : to;
    // `MEDIA:` lines become attachments, sent after the text (MED-1).
    const { text, media: attachments, audioAsVoice } = splitMediaDirectives(tagged.text);
    const parts = text === "" ? [] : chunkForChannel(text, adapter.capabilities, account);
    for (const [i, part] of parts.entries())
      await adapter.send(i === 0 ? quoted : to, { type: "text", text: part }, signal);
    const env = deps.env ?? process.env;
    const sentMedia = attachments.length
      ? await sendReplyMedia(
          adapter,
          to,
          attachments,
          {
            roots: {
              workspaceDir: resolveAgent(config, agentId, deps.stateDir, env).workspaceDir,
              stateDir: deps.stateDir,
            },
            accountMaxMb: cfg.mediaMaxMb,
            audioAsVoice,
            log,
          },
          signal,
        )
      : 0;
    if (config.messages?.removeAckAfterReply === true) await ack.remove();
    return { type: "answered", sessionKey, parts: parts.length + sentMedia };
  } finally {
    result.delivered?.();
  }
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
function routedAgentId(msg: InboundMessage, config: OpenClawConfig, adapter: ChannelAdapter): string {
  const chat = { kind: msg.chatType, id: msg.chatType === "direct" ? msg.sender.id : msg.chatId };
  // A thread or forum topic is a peer of its own (`<chat>:thread:<id>`, `<chat>:topic:<id>` on
  // Telegram, as its session key names it); a binding of the whole chat still covers it through
  // the parent tier.
  const threaded = msg.threadId !== undefined && msg.chatType !== "direct";
  const suffix = threaded ? threadPeerSuffix(msg.threadId!, adapter.capabilities.threadSessionSuffix) : "";
  const facts: RouteFacts = {
    channel: msg.channel,
    accountId: msg.accountId,
    peer: threaded ? { kind: chat.kind, id: `${chat.id}${suffix}` } : chat,
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
