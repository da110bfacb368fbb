import { z } from "zod";

// Small pieces shared by every config section. Nothing here carries a default: the pieces are reused in
// override layers (accounts, groups, agents.list[]) where a default would hide the value being inherited.

/** `{source, provider, id}`: a pointer to a secret held elsewhere (reference-gateway §3, "secrets"). */
export const SecretRefSchema = z.object({
  source: z.enum(["env", "file", "exec"]),
  /** Name under `secrets.providers`; OpenClaw writes it, `secrets.defaults.<source>` covers a missing one. */
  provider: z.string().min(1).optional(),
  id: z.string().min(1),
});
export type SecretRef = z.output<typeof SecretRefSchema>;

/** A token, password or API key: the literal value or a SecretRef. Never logged. */
export const SecretInput = z.union([z.string(), SecretRefSchema]).meta({ sensitive: true });
export type SecretInputValue = z.output<typeof SecretInput>;

/** `30m`, `24h`, `1500ms`, `7d`; a bare number (or numeric string) means the key's own unit. */
export const DURATION_PATTERN = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?$/i;
export const DurationInput = z.union([
  z.string().regex(DURATION_PATTERN, "expected a duration such as 30m, 24h or 500ms"),
  z.number().nonnegative(),
]);

/** `10mb`, `500kb`, `2gb`; a bare number means bytes. */
export const BYTE_SIZE_PATTERN = /^\d+(\.\d+)?\s*(b|kb|k|mb|m|gb|g)?$/i;
export const ByteSizeInput = z.union([
  z.string().regex(BYTE_SIZE_PATTERN, "expected a size such as 10mb or 500kb"),
  z.number().int().nonnegative(),
]);

/** A sender/chat id as users write them: Telegram ids are often bare numbers, phones are strings. */
export const PeerId = z.union([z.string(), z.number()]);
export const PeerIdList = z.array(PeerId);

export const NonNegativeInt = z.number().int().nonnegative();
export const PositiveInt = z.number().int().positive();
export const PortNumber = z.number().int().positive().max(65535);

export const StringMap = z.record(z.string(), z.string());

/** Who may DM the bot (reference-agent §4.1). `pairing` is the runtime default. */
export const DmPolicy = z.enum(["pairing", "allowlist", "open", "disabled"]);
export type DmPolicy = z.output<typeof DmPolicy>;

/** Which groups the bot serves (reference-agent §4.5). `allowlist` is the runtime default. */
export const GroupPolicy = z.enum(["allowlist", "open", "disabled"]);
export type GroupPolicy = z.output<typeof GroupPolicy>;

/** 2.26 levels plus 9.x's `adaptive|max|ultra`, so a newer OpenClaw's file still loads. */
export const ThinkingLevel = z.enum([
  "off",
  "minimal",
  "low",
  "medium",
  "high",
  "xhigh",
  "adaptive",
  "max",
  "ultra",
]);
export const VerboseLevel = z.enum(["off", "on", "full"]);
export const ElevatedLevel = z.enum(["off", "on", "ask", "full"]);
export const TypingMode = z.enum(["never", "instant", "thinking", "message"]);
export const ChatType = z.enum(["direct", "group", "channel", "dm"]);
export const QueueMode = z.enum([
  "steer",
  "followup",
  "collect",
  "steer-backlog",
  "steer+backlog",
  "queue",
  "interrupt",
]);
export const ToolProfile = z.enum(["minimal", "coding", "messaging", "full"]);

/** `true|false|"auto"`: native chat commands; `auto` = on for Discord/Telegram, off for Slack. */
export const NativeToggle = z.union([z.boolean(), z.literal("auto")]);

/** `provider/model` or an alias. */
export const ModelRefSchema = z.string().min(1);

/** A model choice: a bare ref (primary only) or `{primary, fallbacks}` (reference-agent §6.1). */
export const AgentModelSchema = z.union([
  ModelRefSchema,
  z.object({
    primary: ModelRefSchema.optional(),
    fallbacks: z.array(ModelRefSchema).optional(),
  }),
]);
export type AgentModel = z.output<typeof AgentModelSchema>;

/** allow / deny lists of tool names and `group:*` names; deny wins, `*` wildcards (reference-agent §2.4). */
export const ToolPolicySchema = z.object({
  allow: z.array(z.string()).optional(),
  alsoAllow: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
});

export const HumanDelaySchema = z.object({
  mode: z.enum(["off", "natural", "custom"]).optional(),
  minMs: NonNegativeInt.optional(),
  maxMs: NonNegativeInt.optional(),
});

export const BlockStreamingCoalesceSchema = z.object({
  minChars: NonNegativeInt.optional(),
  maxChars: PositiveInt.optional(),
  idleMs: NonNegativeInt.optional(),
});

/** Heartbeat visibility per channel (account → channel → `channels.defaults`). */
export const HeartbeatVisibilitySchema = z.object({
  showOk: z.boolean().optional(),
  showAlerts: z.boolean().optional(),
  useIndicator: z.boolean().optional(),
});

export const RetrySchema = z.object({
  attempts: NonNegativeInt.optional(),
  minDelayMs: NonNegativeInt.optional(),
  maxDelayMs: NonNegativeInt.optional(),
  jitter: z.number().min(0).max(1).optional(),
});
