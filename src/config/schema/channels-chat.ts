import { z } from "zod";
import { defineChannel, GroupEntryShape, ReactionNotifications, ReplyToMode } from "./channel-common.ts";
import {
  NonNegativeInt,
  PeerId,
  PeerIdList,
  PortNumber,
  PositiveInt,
  RetrySchema,
  SecretInput,
} from "./common.ts";

// Telegram, Discord and Slack (reference-agent §5.2–§5.4; TG, DC, SL requirements).

/** A Telegram forum topic inherits its group's settings. */
const TelegramTopicSchema = z.object(GroupEntryShape);

const TelegramGroupSchema = z.object({
  ...GroupEntryShape,
  topics: z.record(z.string(), TelegramTopicSchema).optional(),
});

export const TelegramSchema = defineChannel({
  botToken: SecretInput.optional(),
  /** File holding the bot token (regular file only). Env fallback: TELEGRAM_BOT_TOKEN (default account). */
  tokenFile: z.string().optional(),
  groups: z.record(z.string(), TelegramGroupSchema).optional(),
  customCommands: z.array(z.object({ command: z.string().min(1), description: z.string() })).optional(),
  linkPreview: z.boolean().optional(),
  timeoutSeconds: PositiveInt.optional(),
  retry: RetrySchema.optional(),
  network: z
    .object({
      autoSelectFamily: z.boolean().optional(),
      dnsResultOrder: z.enum(["ipv4first", "verbatim", "ipv6first"]).optional(),
    })
    .optional(),
  proxy: z.string().optional(),
  /** Webhook mode when set; long polling otherwise. */
  webhookUrl: z.string().optional(),
  webhookSecret: SecretInput.optional(),
  webhookPath: z.string().optional(),
  webhookHost: z.string().optional(),
  webhookPort: PortNumber.optional(),
  reactionLevel: z.enum(["off", "ack", "minimal", "extensive"]).optional(),
  /** 9.x: Bot API root for self-hosted Bot API servers (no `/bot<TOKEN>`). */
  apiRoot: z.string().optional(),
});

const DiscordChannelSchema = z.object({
  ...GroupEntryShape,
  users: PeerIdList.optional(),
  roles: PeerIdList.optional(),
  autoThread: z.boolean().optional(),
  ignoreOtherMentions: z.boolean().optional(),
  includeThreadStarter: z.boolean().optional(),
});

const DiscordGuildSchema = z.object({
  slug: z.string().optional(),
  requireMention: z.boolean().optional(),
  ignoreOtherMentions: z.boolean().optional(),
  reactionNotifications: ReactionNotifications.optional(),
  users: PeerIdList.optional(),
  roles: PeerIdList.optional(),
  channels: z.record(z.string(), DiscordChannelSchema).optional(),
  tools: GroupEntryShape.tools,
  toolsBySender: GroupEntryShape.toolsBySender,
  skills: z.array(z.string()).optional(),
  systemPrompt: z.string().optional(),
});

const DiscordThreadBindingsSchema = z.object({
  enabled: z.boolean().optional(),
  ttlHours: NonNegativeInt.optional(),
  idleHours: NonNegativeInt.optional(),
  maxAgeHours: NonNegativeInt.optional(),
  spawnSubagentSessions: z.boolean().optional(),
});

const DiscordVoiceSchema = z.object({
  enabled: z.boolean().optional(),
  autoJoin: z.array(z.object({ guildId: PeerId, channelId: PeerId })).optional(),
  daveEncryption: z.boolean().optional(),
  decryptionFailureTolerance: NonNegativeInt.optional(),
  /** Same shape as `messages.tts`; kept free-form here. */
  tts: z.record(z.string(), z.unknown()).optional(),
});

const ExecApprovalsForwardSchema = z.object({
  enabled: z.boolean().optional(),
  approvers: PeerIdList.optional(),
  agentFilter: z.array(z.string()).optional(),
  sessionFilter: z.array(z.string()).optional(),
  cleanupAfterResolve: z.boolean().optional(),
  target: z.string().optional(),
});

export const DiscordSchema = defineChannel({
  /** Bot token. Env fallback: DISCORD_BOT_TOKEN (default account). */
  token: SecretInput.optional(),
  /** `true`, or `"mentions"` to accept only bot messages that mention us. */
  allowBots: z.union([z.boolean(), z.literal("mentions")]).optional(),
  guilds: z.record(z.string(), DiscordGuildSchema).optional(),
  maxLinesPerMessage: PositiveInt.optional(),
  threadBindings: DiscordThreadBindingsSchema.optional(),
  voice: DiscordVoiceSchema.optional(),
  retry: RetrySchema.optional(),
  proxy: z.string().optional(),
  intents: z.object({ presence: z.boolean().optional(), guildMembers: z.boolean().optional() }).optional(),
  pluralkit: z.object({ enabled: z.boolean().optional(), token: SecretInput.optional() }).optional(),
  execApprovals: ExecApprovalsForwardSchema.optional(),
  ui: z.object({ components: z.object({ accentColor: z.string().optional() }).optional() }).optional(),
  autoPresence: z.record(z.string(), z.unknown()).optional(),
  activity: z.string().optional(),
  activityType: z.union([z.string(), z.number()]).optional(),
  activityUrl: z.string().optional(),
  status: z.enum(["online", "idle", "dnd", "invisible"]).optional(),
  /**
   * REST root without version (e.g. `https://discord.com/api`), for a proxy or a local stand-in;
   * env `DISCORD_API_URL` (versioned, `…/api/v10`) applies below it. The gateway URL comes from
   * its `GET /gateway/bot`. Not an OpenClaw 2026.2.26 key.
   */
  apiBaseUrl: z.string().optional(),
});

const SlackChannelSchema = z.object({
  ...GroupEntryShape,
  users: PeerIdList.optional(),
  allowBots: z.boolean().optional(),
});

export const SlackSchema = defineChannel({
  /** `socket` (default) needs appToken + botToken; `http` needs botToken + signingSecret. */
  mode: z.enum(["socket", "http"]).optional(),
  botToken: SecretInput.optional(),
  appToken: SecretInput.optional(),
  signingSecret: SecretInput.optional(),
  userToken: SecretInput.optional(),
  userTokenReadOnly: z.boolean().optional(),
  webhookPath: z.string().optional(),
  /** Web API root (`slackApiUrl`), also used for `apps.connections.open`; env SLACK_API_URL below it. */
  apiUrl: z.string().optional(),
  channels: z.record(z.string(), SlackChannelSchema).optional(),
  allowBots: z.boolean().optional(),
  requireMention: z.boolean().optional(),
  thread: z
    .object({
      historyScope: z.enum(["thread", "channel"]).optional(),
      inheritParent: z.boolean().optional(),
      initialHistoryLimit: NonNegativeInt.optional(),
    })
    .optional(),
  replyToModeByChatType: z
    .object({
      direct: ReplyToMode.optional(),
      group: ReplyToMode.optional(),
      channel: ReplyToMode.optional(),
    })
    .optional(),
  slashCommand: z
    .object({
      enabled: z.boolean().optional(),
      name: z.string().optional(),
      sessionPrefix: z.string().optional(),
      ephemeral: z.boolean().optional(),
    })
    .optional(),
  typingReaction: z.string().optional(),
  nativeStreaming: z.boolean().optional(),
  execApprovals: ExecApprovalsForwardSchema.optional(),
});
