import { z } from "zod";
import {
  ModelRefSchema,
  NativeToggle,
  NonNegativeInt,
  PeerId,
  PeerIdList,
  PositiveInt,
  QueueMode,
  SecretInput,
} from "./common.ts";

// `messages.*` (reference-gateway §3, reference-agent §3.7, §5.1), `commands.*` (§3.9) and `approvals.*`.

const QueueSchema = z
  .object({
    mode: QueueMode.default("collect"),
    debounceMs: NonNegativeInt.default(1000),
    cap: PositiveInt.default(20),
    drop: z.enum(["old", "new", "summarize"]).default("summarize"),
    byChannel: z.record(z.string(), QueueMode).optional(),
    debounceMsByChannel: z.record(z.string(), NonNegativeInt).optional(),
  })
  .prefault({});

const InboundSchema = z.object({
  /** No built-in default is documented; 0 disables batching. */
  debounceMs: NonNegativeInt.optional(),
  byChannel: z.record(z.string(), NonNegativeInt).optional(),
});

const GroupChatDefaultsSchema = z
  .object({
    historyLimit: NonNegativeInt.default(50),
    mentionPatterns: z.array(z.string()).optional(),
  })
  .prefault({});

const ElevenLabsSchema = z.object({
  apiKey: SecretInput.optional(),
  baseUrl: z.string().optional(),
  voiceId: z.string().optional(),
  modelId: z.string().optional(),
  seed: z.number().int().optional(),
  applyTextNormalization: z.enum(["auto", "on", "off"]).optional(),
  languageCode: z.string().optional(),
  voiceSettings: z
    .object({
      stability: z.number().optional(),
      similarityBoost: z.number().optional(),
      style: z.number().optional(),
      useSpeakerBoost: z.boolean().optional(),
      speed: z.number().optional(),
    })
    .optional(),
});

const OpenAiTtsSchema = z.object({
  apiKey: SecretInput.optional(),
  baseUrl: z.string().optional(),
  model: z.string().optional(),
  voice: z.string().optional(),
});

export const TtsSchema = z.object({
  auto: z.enum(["off", "always", "inbound", "tagged"]).optional(),
  enabled: z.boolean().optional(),
  mode: z.enum(["final", "all"]).optional(),
  provider: z.string().optional(),
  summaryModel: ModelRefSchema.optional(),
  modelOverrides: z
    .object({ enabled: z.boolean().optional(), allowProvider: z.boolean().optional() })
    .optional(),
  maxTextLength: PositiveInt.optional(),
  timeoutMs: PositiveInt.optional(),
  prefsPath: z.string().optional(),
  elevenlabs: ElevenLabsSchema.optional(),
  openai: OpenAiTtsSchema.optional(),
  edge: z.record(z.string(), z.unknown()).optional(),
});

export const MessagesSchema = z
  .object({
    /** `auto` = `[{identity.name}]`; `""` disables (account → channel → here). */
    responsePrefix: z.string().optional(),
    messagePrefix: z.string().optional(),
    /** Default: the agent's identity emoji, else 👀; `""` disables. */
    ackReaction: z.string().optional(),
    ackReactionScope: z.enum(["group-mentions", "group-all", "direct", "all"]).default("group-mentions"),
    removeAckAfterReply: z.boolean().default(false),
    queue: QueueSchema,
    inbound: InboundSchema.optional(),
    groupChat: GroupChatDefaultsSchema,
    tts: TtsSchema.optional(),
    suppressToolErrors: z.boolean().optional(),
  })
  .prefault({});

export const CommandsSchema = z
  .object({
    native: NativeToggle.default("auto"),
    nativeSkills: NativeToggle.default("auto"),
    text: z.boolean().default(true),
    bash: z.boolean().default(false),
    bashForegroundMs: NonNegativeInt.default(2000),
    config: z.boolean().default(false),
    debug: z.boolean().default(false),
    restart: z.boolean().default(true),
    useAccessGroups: z.boolean().default(true),
    /** When set, the only authority for commands: per channel id, `*` for all channels. */
    allowFrom: z.record(z.string(), PeerIdList).optional(),
    ownerAllowFrom: PeerIdList.optional(),
  })
  .prefault({});

const ApprovalTargetSchema = z.object({
  channel: z.string(),
  to: PeerId,
  accountId: z.string().optional(),
  threadId: PeerId.optional(),
});

export const ApprovalsSchema = z.object({
  exec: z
    .object({
      enabled: z.boolean().optional(),
      mode: z.enum(["session", "targets", "both"]).optional(),
      agentFilter: z.array(z.string()).optional(),
      sessionFilter: z.array(z.string()).optional(),
      targets: z.array(ApprovalTargetSchema).optional(),
    })
    .optional(),
});
