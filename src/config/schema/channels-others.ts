import { z } from "zod";
import { defineChannel, GroupEntryShape } from "./channel-common.ts";
import { NativeToggle, NonNegativeInt, PeerIdList, PortNumber, PositiveInt, SecretInput } from "./common.ts";

// WhatsApp, Signal, iMessage, BlueBubbles, Google Chat, Mattermost, MS Teams, IRC and the other plugin
// channels (reference-agent §5.6, reference-gateway §3; WA, SIG, IMSG, GC, MM requirements).

export const WhatsAppSchema = defineChannel({
  /** Baileys auth dir; default `<stateDir>/credentials/whatsapp/<accountId>`. */
  authDir: z.string().optional(),
  sendReadReceipts: z.boolean().optional(),
  /** Run on the owner's own number: the bot talks in the "message yourself" chat (WA-5). */
  selfChatMode: z.boolean().optional(),
  messagePrefix: z.string().optional(),
  debounceMs: NonNegativeInt.optional(),
  /** WhatsApp also takes `{emoji, direct, group}` for per-chat-type ack reactions. */
  ackReaction: z
    .union([
      z.string(),
      z.object({
        emoji: z.string().optional(),
        direct: z.boolean().optional(),
        group: z.enum(["always", "mentions", "never"]).optional(),
      }),
    ])
    .optional(),
});

export const SignalSchema = defineChannel({
  /** The bot's E.164 number. */
  account: z.string().optional(),
  cliPath: z.string().optional(),
  httpUrl: z.string().optional(),
  httpHost: z.string().optional(),
  httpPort: PortNumber.optional(),
  autoStart: z.boolean().optional(),
  startupTimeoutMs: PositiveInt.optional(),
  receiveMode: z.enum(["on-start", "manual"]).optional(),
  ignoreAttachments: z.boolean().optional(),
  ignoreStories: z.boolean().optional(),
  sendReadReceipts: z.boolean().optional(),
  reactionLevel: z.enum(["off", "ack", "minimal", "extensive"]).optional(),
});

export const IMessageSchema = defineChannel({
  cliPath: z.string().optional(),
  dbPath: z.string().optional(),
  remoteHost: z.string().optional(),
  service: z.enum(["imessage", "sms", "auto"]).optional(),
  region: z.string().optional(),
  includeAttachments: z.boolean().optional(),
  attachmentRoots: z.array(z.string()).optional(),
  remoteAttachmentRoots: z.array(z.string()).optional(),
});

export const BlueBubblesSchema = defineChannel({
  serverUrl: z.string().optional(),
  password: SecretInput.optional(),
  webhookPath: z.string().optional(),
  sendReadReceipts: z.boolean().optional(),
  timeoutMs: PositiveInt.optional(),
});

export const GoogleChatSchema = defineChannel({
  /** Inline service-account JSON (text or object) or a SecretRef. */
  serviceAccount: z.union([SecretInput, z.record(z.string(), z.unknown())]).optional(),
  serviceAccountFile: z.string().optional(),
  serviceAccountRef: SecretInput.optional(),
  audienceType: z.enum(["app-url", "project-number"]).optional(),
  audience: z.string().optional(),
  webhookPath: z.string().optional(),
  webhookUrl: z.string().optional(),
  botUser: z.string().optional(),
  typingIndicator: z.enum(["none", "message", "reaction"]).optional(),
});

export const MattermostSchema = defineChannel({
  botToken: SecretInput.optional(),
  baseUrl: z.string().optional(),
  chatmode: z.enum(["oncall", "onmessage", "onchar"]).optional(),
  oncharPrefixes: z.array(z.string()).optional(),
  requireMention: z.boolean().optional(),
  commands: z
    .object({
      native: NativeToggle.optional(),
      nativeSkills: NativeToggle.optional(),
      callbackPath: z.string().optional(),
      callbackUrl: z.string().optional(),
    })
    .optional(),
});

const TeamsChannelSchema = z.object({
  ...GroupEntryShape,
  replyStyle: z.enum(["thread", "top-level"]).optional(),
});

export const MSTeamsSchema = defineChannel({
  appId: z.string().optional(),
  appPassword: SecretInput.optional(),
  tenantId: z.string().optional(),
  webhook: z.object({ port: PortNumber.optional(), path: z.string().optional() }).optional(),
  replyStyle: z.enum(["thread", "top-level"]).optional(),
  teams: z
    .record(
      z.string(),
      TeamsChannelSchema.extend({ channels: z.record(z.string(), TeamsChannelSchema).optional() }),
    )
    .optional(),
  mediaAllowHosts: z.array(z.string()).optional(),
  sharePointSiteId: z.string().optional(),
});

export const IrcSchema = defineChannel({
  host: z.string().optional(),
  port: PortNumber.optional(),
  tls: z.boolean().optional(),
  nick: z.string().optional(),
  username: z.string().optional(),
  realname: z.string().optional(),
  password: SecretInput.optional(),
  channels: z.array(z.string()).optional(),
  requireMention: z.boolean().optional(),
  nickserv: z
    .object({
      enabled: z.boolean().optional(),
      service: z.string().optional(),
      password: SecretInput.optional(),
      register: z.boolean().optional(),
      registerEmail: z.string().optional(),
    })
    .optional(),
});

/**
 * Plugin channels the references name without listing their keys (feishu, zalo, …): the common keys,
 * plus the credential fields their setup writes, so their files load and typos still warn.
 */
export const GenericPluginChannelSchema = defineChannel({
  botToken: SecretInput.optional(),
  token: SecretInput.optional(),
  appId: z.string().optional(),
  appSecret: SecretInput.optional(),
  baseUrl: z.string().optional(),
  webhookPath: z.string().optional(),
  webhookSecret: SecretInput.optional(),
  requireMention: z.boolean().optional(),
  users: PeerIdList.optional(),
});
