import { z } from "zod";
import { ByteSizeInput, ChatType, DurationInput, NonNegativeInt, PositiveInt, TypingMode } from "./common.ts";

// `session.*` (reference-gateway §3, reference-agent §3.1–§3.3).

export const DmScope = z.enum(["main", "per-peer", "per-channel-peer", "per-account-channel-peer"]);
export type DmScope = z.output<typeof DmScope>;

/** One reset policy; used by `reset`, `resetByType.*` and `resetByChannel.*` (overrides, no defaults). */
const ResetPolicySchema = z.object({
  mode: z.enum(["daily", "idle", "manual"]).optional(),
  atHour: z.number().int().min(0).max(23).optional(),
  idleMinutes: PositiveInt.optional(),
});

// `session.reset` gets no prefault on purpose: a config with only the legacy `session.idleMinutes` (and no
// `reset`) means idle-only resets (SES-5), so `reset` must stay absent unless the user writes it.
const ResetDefaultsSchema = ResetPolicySchema.extend({
  atHour: z.number().int().min(0).max(23).default(4),
});

const MaintenanceSchema = z
  .object({
    mode: z.enum(["warn", "enforce"]).default("warn"),
    pruneAfter: DurationInput.default("30d"),
    maxEntries: PositiveInt.default(500),
    rotateBytes: ByteSizeInput.default("10mb"),
    /** Defaults to `pruneAfter`; `false` keeps reset archives forever. */
    resetArchiveRetention: z.union([DurationInput, z.literal(false)]).optional(),
    maxDiskBytes: ByteSizeInput.optional(),
    highWaterBytes: ByteSizeInput.optional(),
  })
  .prefault({});

const SendPolicyRuleSchema = z.object({
  action: z.enum(["allow", "deny"]),
  match: z
    .object({
      channel: z.string().optional(),
      chatType: ChatType.optional(),
      keyPrefix: z.string().optional(),
      rawKeyPrefix: z.string().optional(),
    })
    .optional(),
});

export const SessionSchema = z
  .object({
    scope: z
      .enum(["per-sender", "global"])
      .default("per-sender")
      .describe("per-sender keeps sessions per chat; global shares one session."),
    dmScope: DmScope.default("main").describe("How direct messages map to sessions."),
    identityLinks: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .describe("Canonical names for provider-prefixed peer ids (telegram:123…)."),
    reset: ResetDefaultsSchema.optional().describe(
      "When a session starts over: daily at atHour, or when idle.",
    ),
    resetByType: z
      .object({
        direct: ResetPolicySchema.optional(),
        dm: ResetPolicySchema.optional(),
        group: ResetPolicySchema.optional(),
        thread: ResetPolicySchema.optional(),
      })
      .optional()
      .describe("Reset policy per chat type."),
    resetByChannel: z.record(z.string(), ResetPolicySchema).optional().describe("Reset policy per channel."),
    resetTriggers: z.array(z.string()).optional().describe("Extra messages that start a new session."),
    /** Legacy: alone (without `reset`) it means idle-only resets after this many minutes. */
    idleMinutes: PositiveInt.optional().describe("Legacy idle reset window in minutes."),
    store: z.string().optional().describe("sessions.json path; may contain {agentId}."),
    parentForkMaxTokens: NonNegativeInt.default(100_000).describe(
      "Largest parent session a new thread session may fork from; 0 disables the guard.",
    ),
    maintenance: MaintenanceSchema.describe("Pruning and rotation of the session store."),
    threadBindings: z
      .object({
        enabled: z.boolean().optional(),
        ttlHours: NonNegativeInt.default(24),
        idleHours: NonNegativeInt.optional(),
        maxAgeHours: NonNegativeInt.optional(),
      })
      .prefault({})
      .describe("Thread-bound session features."),
    mainKey: z.string().optional().describe("Legacy; the main key is always main."),
    agentToAgent: z
      .object({ maxPingPongTurns: z.number().int().min(0).max(5).default(5) })
      .prefault({})
      .describe("Limits for agent-to-agent messaging."),
    sendPolicy: z
      .object({
        rules: z.array(SendPolicyRuleSchema).optional(),
        default: z.enum(["allow", "deny"]).optional(),
      })
      .optional()
      .describe("Which sessions may deliver replies."),
    typingMode: TypingMode.optional().describe("Typing indicator mode override."),
    typingIntervalSeconds: PositiveInt.optional(),
  })
  .prefault({});
