import { z } from "zod";
import {
  AgentModelSchema,
  DurationInput,
  ModelRefSchema,
  NonNegativeInt,
  PositiveInt,
  StringMap,
  ThinkingLevel,
} from "./common.ts";

// Building blocks of `agents.defaults` and `agents.list[]` (reference-agent §1, §3.4–§3.5, §7.2, §7.6).
// Each is declared without defaults (agents override defaults key by key); `agents.ts` adds the
// documented defaults to the `agents.defaults` copies with `.extend`.

export const HeartbeatSchema = z.object({
  /** `30m` by default, `1h` with Anthropic OAuth: depends on auth, so resolved at runtime. `0m` disables. */
  every: DurationInput.optional(),
  model: ModelRefSchema.optional(),
  prompt: z.string().optional(),
  /** `none`, `last`, or a channel id. */
  target: z.string().optional(),
  to: z.string().optional(),
  accountId: z.string().optional(),
  session: z.string().optional(),
  directPolicy: z.enum(["allow", "block"]).optional(),
  activeHours: z
    .object({
      start: z.string().optional(),
      end: z.string().optional(),
      /** Omitted or `user` = agents.defaults.userTimezone, `local` = host zone, or an IANA zone. */
      timezone: z.string().optional(),
    })
    .optional(),
  ackMaxChars: NonNegativeInt.optional(),
  includeReasoning: z.boolean().optional(),
  suppressToolErrorWarnings: z.boolean().optional(),
  lightContext: z.boolean().optional(),
  isolatedSession: z.boolean().optional(),
});

export const MemoryFlushSchema = z.object({
  enabled: z.boolean().optional(),
  softThresholdTokens: NonNegativeInt.optional(),
  systemPrompt: z.string().optional(),
  prompt: z.string().optional(),
});

export const CompactionSchema = z.object({
  mode: z.enum(["default", "safeguard"]).optional(),
  reserveTokensFloor: NonNegativeInt.optional(),
  keepRecentTokens: PositiveInt.optional(),
  timeoutSeconds: PositiveInt.optional(),
  identifierPolicy: z.enum(["strict", "off", "custom"]).optional(),
  identifierInstructions: z.string().optional(),
  postCompactionSections: z.array(z.string()).optional(),
  model: ModelRefSchema.optional(),
  memoryFlush: MemoryFlushSchema.optional(),
});

const SoftTrimSchema = z.object({
  maxChars: PositiveInt.optional(),
  headChars: NonNegativeInt.optional(),
  tailChars: NonNegativeInt.optional(),
});

const HardClearSchema = z.object({
  enabled: z.boolean().optional(),
  placeholder: z.string().optional(),
});

export const ContextPruningSchema = z.object({
  /** `off` unless Anthropic auth turns on `cache-ttl` (reference-agent §3.5): resolved at runtime. */
  mode: z.enum(["off", "cache-ttl"]).optional(),
  ttl: DurationInput.optional(),
  keepLastAssistants: NonNegativeInt.optional(),
  softTrimRatio: z.number().min(0).max(1).optional(),
  hardClearRatio: z.number().min(0).max(1).optional(),
  minPrunableToolChars: NonNegativeInt.optional(),
  softTrim: SoftTrimSchema.optional(),
  hardClear: HardClearSchema.optional(),
  tools: z.object({ allow: z.array(z.string()).optional(), deny: z.array(z.string()).optional() }).optional(),
});

export const SubagentsSchema = z.object({
  model: AgentModelSchema.optional(),
  thinking: ThinkingLevel.optional(),
  maxConcurrent: PositiveInt.optional(),
  maxSpawnDepth: NonNegativeInt.optional(),
  maxChildrenPerAgent: NonNegativeInt.optional(),
  runTimeoutSeconds: NonNegativeInt.optional(),
  archiveAfterMinutes: NonNegativeInt.optional(),
  announceRetryCount: NonNegativeInt.optional(),
  /** Agent ids `sessions_spawn` may target; `["*"]` = any (default: only the same agent). */
  allowAgents: z.array(z.string()).optional(),
});

export const CliBackendSchema = z.object({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  output: z.enum(["json", "text", "jsonl"]).optional(),
  resumeOutput: z.enum(["json", "text", "jsonl"]).optional(),
  input: z.enum(["arg", "stdin"]).optional(),
  maxPromptArgChars: PositiveInt.optional(),
  env: StringMap.optional(),
  clearEnv: z.array(z.string()).optional(),
  modelArg: z.string().optional(),
  modelAliases: StringMap.optional(),
  sessionArg: z.string().optional(),
  sessionArgs: z.array(z.string()).optional(),
  resumeArgs: z.array(z.string()).optional(),
  sessionMode: z.enum(["always", "existing", "none"]).optional(),
  sessionIdFields: z.array(z.string()).optional(),
  systemPromptArg: z.string().optional(),
  systemPromptMode: z.enum(["append", "replace"]).optional(),
  systemPromptWhen: z.enum(["first", "always", "never"]).optional(),
  imageArg: z.string().optional(),
  imageMode: z.enum(["repeat", "list"]).optional(),
  serialize: z.boolean().optional(),
});

/** `agents.defaults.models["provider/model"]`: catalog entry, allowlist entry and per-model params. */
export const AgentModelEntrySchema = z.object({
  alias: z.string().optional(),
  /** Provider stream params (temperature, maxTokens, cacheRetention, thinking…); free-form. */
  params: z.record(z.string(), z.unknown()).optional(),
  streaming: z.boolean().optional(),
});

export const IdentitySchema = z.object({
  name: z.string().optional(),
  theme: z.string().optional(),
  emoji: z.string().optional(),
  /** Workspace-relative path, http(s) URL or data: URI. */
  avatar: z.string().optional(),
});

export const GroupChatSchema = z.object({
  /** Case-insensitive regexes that count as a mention. */
  mentionPatterns: z.array(z.string()).optional(),
  historyLimit: NonNegativeInt.optional(),
});

export const AgentRuntimeSchema = z.object({
  type: z.enum(["embedded", "acp"]).optional(),
  acp: z
    .object({
      agent: z.string().optional(),
      backend: z.string().optional(),
      mode: z.enum(["persistent", "oneshot"]).optional(),
      cwd: z.string().optional(),
    })
    .optional(),
});
