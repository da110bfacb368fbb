import { z } from "zod";
import {
  AgentModelEntrySchema,
  AgentRuntimeSchema,
  CliBackendSchema,
  CompactionSchema,
  ContextPruningSchema,
  GroupChatSchema,
  HeartbeatSchema,
  IdentitySchema,
  MemoryFlushSchema,
  SubagentsSchema,
} from "./agent-parts.ts";
import {
  AgentModelSchema,
  BlockStreamingCoalesceSchema,
  DurationInput,
  ElevatedLevel,
  HumanDelaySchema,
  NonNegativeInt,
  PeerId,
  PositiveInt,
  ThinkingLevel,
  TypingMode,
  VerboseLevel,
} from "./common.ts";
import { MemorySearchSchema } from "./memory.ts";
import { SandboxDefaultsSchema, SandboxSchema } from "./sandbox.ts";
import { AgentToolsSchema } from "./tools.ts";

// `agents.defaults`, `agents.list[]` and `bindings[]` (reference-gateway §3, reference-agent §1–§3, §7).

const HeartbeatDefaultsSchema = HeartbeatSchema.extend({
  target: z.string().default("none"),
  directPolicy: z.enum(["allow", "block"]).default("allow"),
  ackMaxChars: NonNegativeInt.default(300),
}).prefault({});

const CompactionDefaultsSchema = CompactionSchema.extend({
  reserveTokensFloor: NonNegativeInt.default(20_000), // 0 disables the floor
  memoryFlush: MemoryFlushSchema.extend({
    enabled: z.boolean().default(true),
    softThresholdTokens: NonNegativeInt.default(4000),
    systemPrompt: z.string().default("Session nearing compaction. Store durable memories now."),
    prompt: z
      .string()
      .default("Write any lasting notes to memory/YYYY-MM-DD.md; reply with NO_REPLY if nothing to store."),
  }).prefault({}),
}).prefault({});

/** Values used once `contextPruning.mode` is `cache-ttl` (reference-agent §3.5). */
const ContextPruningDefaultsSchema = ContextPruningSchema.extend({
  ttl: DurationInput.default("5m"),
  keepLastAssistants: NonNegativeInt.default(3),
  softTrimRatio: z.number().min(0).max(1).default(0.3),
  hardClearRatio: z.number().min(0).max(1).default(0.5),
  minPrunableToolChars: NonNegativeInt.default(50_000),
  softTrim: z
    .object({
      maxChars: PositiveInt.default(4000),
      headChars: NonNegativeInt.default(1500),
      tailChars: NonNegativeInt.default(1500),
    })
    .prefault({}),
  hardClear: z
    .object({
      enabled: z.boolean().default(true),
      placeholder: z.string().default("[Old tool result content cleared]"),
    })
    .prefault({}),
}).prefault({});

const SubagentsDefaultsSchema = SubagentsSchema.extend({
  maxConcurrent: PositiveInt.default(8),
  maxSpawnDepth: NonNegativeInt.default(1),
  maxChildrenPerAgent: NonNegativeInt.default(5),
  archiveAfterMinutes: NonNegativeInt.default(60),
}).prefault({});

export const AgentDefaultsSchema = z
  .object({
    workspace: z.string().optional().describe("Agent workspace directory (default ~/.openclaw/workspace)."),
    repoRoot: z.string().optional().describe("Repository root shown in the system prompt."),
    skipBootstrap: z.boolean().optional().describe("Do not seed AGENTS.md, SOUL.md… in new workspaces."),
    bootstrapMaxChars: PositiveInt.default(20_000).describe("Per-file cap for injected bootstrap files."),
    bootstrapTotalMaxChars: PositiveInt.default(150_000).describe("Total cap for injected bootstrap files."),
    bootstrapPromptTruncationWarning: z.enum(["off", "once", "always"]).optional(),
    imageMaxDimensionPx: PositiveInt.default(1200).describe("Longest side of images sent to the model."),
    userTimezone: z
      .string()
      .optional()
      .describe("IANA time zone for the system prompt (default: host zone)."),
    timeFormat: z.enum(["auto", "12", "24"]).optional().describe("Clock format in the system prompt."),
    envelopeTimezone: z.string().optional(),
    envelopeTimestamp: z.enum(["on", "off"]).optional(),
    envelopeElapsed: z.enum(["on", "off"]).optional(),
    model: AgentModelSchema.optional().describe("Default model: provider/model or {primary, fallbacks}."),
    imageModel: AgentModelSchema.optional().describe("Model used when the primary model cannot see images."),
    pdfModel: AgentModelSchema.optional().describe("Model used by the pdf tool."),
    pdfMaxBytesMb: z.number().positive().optional(),
    pdfMaxPages: PositiveInt.optional(),
    models: z
      .record(z.string(), AgentModelEntrySchema)
      .optional()
      .describe("Model catalog and /model allowlist, keyed by provider/model."),
    thinkingDefault: ThinkingLevel.optional().describe("Thinking level for new sessions."),
    verboseDefault: VerboseLevel.optional().describe("Verbose level for new sessions."),
    elevatedDefault: ElevatedLevel.optional().describe("Elevated level for new sessions."),
    blockStreamingDefault: z.enum(["on", "off"]).default("off").describe("Send partial replies as messages."),
    blockStreamingBreak: z.enum(["text_end", "message_end"]).optional(),
    blockStreamingChunk: z
      .object({
        minChars: NonNegativeInt.optional(),
        maxChars: PositiveInt.optional(),
        breakPreference: z.enum(["paragraph", "newline", "sentence"]).optional(),
      })
      .optional(),
    blockStreamingCoalesce: BlockStreamingCoalesceSchema.optional(),
    humanDelay: HumanDelaySchema.optional().describe("Random pause between block replies."),
    timeoutSeconds: NonNegativeInt.default(600).describe("Abort an agent run after this many seconds."),
    mediaMaxMb: z.number().positive().default(5).describe("Largest inbound attachment, in MB."),
    /** Caps the model's context window; unset means the model's own window (default 200000). */
    contextTokens: PositiveInt.optional().describe("Cap on the context window, in tokens."),
    // The docs say 1; the code uses 4 (RT-7 decision: 4).
    maxConcurrent: PositiveInt.default(4).describe("Agent runs in parallel across sessions."),
    typingMode: TypingMode.optional().describe("When the typing indicator starts."),
    typingIntervalSeconds: PositiveInt.optional(),
    heartbeat: HeartbeatDefaultsSchema.describe("Periodic heartbeat runs in the main session."),
    compaction: CompactionDefaultsSchema.describe("Summarising old history near the context limit."),
    contextPruning: ContextPruningDefaultsSchema.describe("Trimming old tool results from requests."),
    cliBackends: z
      .record(z.string(), CliBackendSchema)
      .optional()
      .describe("Text-only CLI fallback backends."),
    sandbox: SandboxDefaultsSchema.prefault({}).describe("Running tools inside a container."),
    subagents: SubagentsDefaultsSchema.describe("Limits and model for spawned sub-agents."),
    memorySearch: MemorySearchSchema.optional().describe("Semantic search over memory files."),
    tools: AgentToolsSchema.optional().describe("Tool policy applied to every agent."),
    skills: z.array(z.string()).optional(),
  })
  .prefault({});

export const AgentEntrySchema = z.object({
  id: z.string().min(1),
  default: z.boolean().optional(),
  name: z.string().optional(),
  workspace: z.string().optional(),
  agentDir: z.string().optional(),
  model: AgentModelSchema.optional(),
  imageModel: AgentModelSchema.optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  thinkingDefault: ThinkingLevel.optional(),
  verboseDefault: VerboseLevel.optional(),
  identity: IdentitySchema.optional(),
  groupChat: GroupChatSchema.optional(),
  sandbox: SandboxSchema.optional(),
  subagents: SubagentsSchema.optional(),
  tools: AgentToolsSchema.optional(),
  heartbeat: HeartbeatSchema.optional(),
  humanDelay: HumanDelaySchema.optional(),
  memorySearch: MemorySearchSchema.optional(),
  skills: z.array(z.string()).optional(),
  runtime: AgentRuntimeSchema.optional(),
});
export type AgentEntry = z.output<typeof AgentEntrySchema>;

export const AgentsSchema = z
  .object({
    defaults: AgentDefaultsSchema,
    list: z.array(AgentEntrySchema).optional(),
  })
  .prefault({});

/** Routes inbound messages to an agent (reference-gateway §3, MA-2/MA-3). */
export const BindingSchema = z.object({
  type: z.enum(["route", "acp"]).optional(),
  agentId: z.string().min(1),
  comment: z.string().optional(),
  match: z.object({
    channel: z.string().min(1),
    /** `*` = any account; omitted = the default account. */
    accountId: z.string().optional(),
    peer: z.object({ kind: z.enum(["direct", "dm", "group", "channel"]), id: PeerId }).optional(),
    guildId: PeerId.optional(),
    teamId: z.string().optional(),
    roles: z.array(z.string()).optional(),
  }),
  acp: z
    .object({
      mode: z.string().optional(),
      label: z.string().optional(),
      cwd: z.string().optional(),
      backend: z.string().optional(),
    })
    .optional(),
});
