import { z } from "zod";
import { DiscordSchema, SlackSchema, TelegramSchema } from "./channels-chat.ts";
import {
  BlueBubblesSchema,
  GenericPluginChannelSchema,
  GoogleChatSchema,
  IMessageSchema,
  IrcSchema,
  MattermostSchema,
  MSTeamsSchema,
  SignalSchema,
  WhatsAppSchema,
} from "./channels-others.ts";
import { GroupPolicy, ModelRefSchema } from "./common.ts";

// `channels.*`. A channel starts when its block exists (unless `enabled: false`), so channel blocks never
// get a prefault; only `channels.defaults`, the shared fallback layer, carries defaults.

const ChannelDefaultsSchema = z
  .object({
    groupPolicy: GroupPolicy.default("allowlist"),
    heartbeat: z
      .object({
        showOk: z.boolean().default(false),
        showAlerts: z.boolean().default(true),
        useIndicator: z.boolean().default(true),
      })
      .prefault({}),
    contextVisibility: z.enum(["all", "allowlist", "allowlist_quote"]).optional(),
  })
  .prefault({});

/** Keys of `channels` that are not channels. */
export const CHANNEL_META_KEYS = ["defaults", "modelByChannel"] as const;

export const ChannelsSchema = z
  .object({
    defaults: ChannelDefaultsSchema,
    /** `<channel> → <chatId or chatId:topic:N> → provider/model or alias`. */
    modelByChannel: z.record(z.string(), z.record(z.string(), ModelRefSchema)).optional(),
    telegram: TelegramSchema.optional(),
    discord: DiscordSchema.optional(),
    slack: SlackSchema.optional(),
    whatsapp: WhatsAppSchema.optional(),
    signal: SignalSchema.optional(),
    imessage: IMessageSchema.optional(),
    bluebubbles: BlueBubblesSchema.optional(),
    googlechat: GoogleChatSchema.optional(),
    mattermost: MattermostSchema.optional(),
    msteams: MSTeamsSchema.optional(),
    irc: IrcSchema.optional(),
    feishu: GenericPluginChannelSchema.optional(),
    zalo: GenericPluginChannelSchema.optional(),
    zalouser: GenericPluginChannelSchema.optional(),
    matrix: GenericPluginChannelSchema.optional(),
    line: GenericPluginChannelSchema.optional(),
    nostr: GenericPluginChannelSchema.optional(),
    "nextcloud-talk": GenericPluginChannelSchema.optional(),
    "synology-chat": GenericPluginChannelSchema.optional(),
    twitch: GenericPluginChannelSchema.optional(),
  })
  .prefault({});
