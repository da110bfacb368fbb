import { z } from "zod";
import {
  ChatType,
  NonNegativeInt,
  PeerIdList,
  PositiveInt,
  SecretInput,
  ToolPolicySchema,
  ToolProfile,
} from "./common.ts";

// `tools.*` (reference-agent §2, reference-gateway §3) and the per-agent `agents.list[].tools` override.
// Each building block is declared without defaults so agents can override key by key; the global
// `tools` section re-declares the documented defaults with `.extend`.

const ByProviderSchema = z.record(z.string(), ToolPolicySchema.extend({ profile: ToolProfile.optional() }));

const ElevatedSchema = z.object({
  enabled: z.boolean().optional(),
  /** Senders allowed to use elevated exec, per channel id. */
  allowFrom: z.record(z.string(), PeerIdList).optional(),
});

const ApplyPatchSchema = z.object({
  enabled: z.boolean().optional(),
  workspaceOnly: z.boolean().optional(),
  allowModels: z.array(z.string()).optional(),
});

export const ExecHost = z.enum(["sandbox", "gateway", "node"]);
export const ExecSecurity = z.enum(["deny", "allowlist", "full"]);
export const ExecAsk = z.enum(["off", "on-miss", "always"]);

const ExecToolSchema = z.object({
  host: ExecHost.optional(),
  /** Default depends on `host`: deny for sandbox, allowlist for gateway/node (reference-agent §2.7). */
  security: ExecSecurity.optional(),
  ask: ExecAsk.optional(),
  node: z.string().optional(),
  pathPrepend: z.array(z.string()).optional(),
  safeBins: z.array(z.string()).optional(),
  safeBinTrustedDirs: z.array(z.string()).optional(),
  safeBinProfiles: z.record(z.string(), z.unknown()).optional(),
  backgroundMs: NonNegativeInt.optional(),
  timeoutSec: PositiveInt.optional(),
  cleanupMs: NonNegativeInt.optional(),
  notifyOnExit: z.boolean().optional(),
  notifyOnExitEmptySuccess: z.boolean().optional(),
  approvalRunningNoticeMs: NonNegativeInt.optional(),
  applyPatch: ApplyPatchSchema.optional(),
});

const FsToolSchema = z.object({ workspaceOnly: z.boolean().optional() });

const CrossContextSchema = z.object({
  allowWithinProvider: z.boolean().optional(),
  allowAcrossProviders: z.boolean().optional(),
  marker: z.object({ enabled: z.boolean().optional(), prefix: z.string().optional() }).optional(),
});

const MessageToolSchema = z.object({
  allowCrossContextSend: z.boolean().optional(),
  crossContext: CrossContextSchema.optional(),
  broadcast: z.object({ enabled: z.boolean().optional() }).optional(),
});

const LoopDetectionSchema = z.object({
  enabled: z.boolean().optional(),
  historySize: PositiveInt.optional(),
  warningThreshold: PositiveInt.optional(),
  criticalThreshold: PositiveInt.optional(),
  globalCircuitBreakerThreshold: PositiveInt.optional(),
  detectors: z
    .object({
      genericRepeat: z.boolean().optional(),
      knownPollNoProgress: z.boolean().optional(),
      pingPong: z.boolean().optional(),
    })
    .optional(),
});

const SandboxToolsSchema = z.object({ tools: ToolPolicySchema.optional() });

/** `agents.list[].tools` (and `agents.defaults.tools`): narrows the global policy for one agent. */
export const AgentToolsSchema = ToolPolicySchema.extend({
  profile: ToolProfile.optional(),
  byProvider: ByProviderSchema.optional(),
  elevated: ElevatedSchema.optional(),
  exec: ExecToolSchema.optional(),
  fs: FsToolSchema.optional(),
  message: MessageToolSchema.optional(),
  sandbox: SandboxToolsSchema.optional(),
  loopDetection: LoopDetectionSchema.optional(),
});

const WebSearchSchema = z
  .object({
    enabled: z.boolean().optional(),
    provider: z.enum(["brave", "perplexity", "grok", "gemini", "kimi"]).optional(),
    apiKey: SecretInput.optional(),
    maxResults: z.number().int().min(1).max(10).default(5),
    timeoutSeconds: PositiveInt.default(30),
    cacheTtlMinutes: NonNegativeInt.default(15),
    perplexity: z
      .object({
        apiKey: SecretInput.optional(),
        baseUrl: z.string().optional(),
        model: z.string().optional(),
      })
      .optional(),
    grok: z
      .object({
        apiKey: SecretInput.optional(),
        model: z.string().optional(),
        inlineCitations: z.boolean().optional(),
      })
      .optional(),
    gemini: z.object({ apiKey: SecretInput.optional(), model: z.string().optional() }).optional(),
    kimi: z
      .object({
        apiKey: SecretInput.optional(),
        baseUrl: z.string().optional(),
        model: z.string().optional(),
      })
      .optional(),
  })
  .prefault({});

const FirecrawlSchema = z.object({
  enabled: z.boolean().optional(),
  apiKey: SecretInput.optional(),
  baseUrl: z.string().optional(),
  onlyMainContent: z.boolean().optional(),
  maxAgeMs: NonNegativeInt.optional(),
  timeoutSeconds: PositiveInt.optional(),
});

const WebFetchSchema = z
  .object({
    enabled: z.boolean().default(true), // TOOL-3: on unless disabled
    maxChars: PositiveInt.default(50_000),
    maxCharsCap: PositiveInt.default(50_000),
    maxResponseBytes: PositiveInt.optional(),
    maxRedirects: NonNegativeInt.optional(),
    timeoutSeconds: PositiveInt.default(30),
    cacheTtlMinutes: NonNegativeInt.default(15),
    userAgent: z.string().optional(),
    readability: z.boolean().optional(),
    /** Fetching private network addresses (SSRF guard off). */
    allowPrivateNetwork: z.boolean().optional(),
    firecrawl: FirecrawlSchema.optional(),
  })
  .prefault({});

const MediaModelSchema = z.object({
  type: z.enum(["provider", "cli"]).optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  profile: z.string().optional(),
  preferredProfile: z.string().optional(),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  capabilities: z.array(z.enum(["image", "audio", "video"])).optional(),
  prompt: z.string().optional(),
  maxChars: PositiveInt.optional(),
  maxBytes: PositiveInt.optional(),
  timeoutSeconds: PositiveInt.optional(),
  language: z.string().optional(),
});

const MediaScopeSchema = z.object({
  default: z.enum(["allow", "deny"]).optional(),
  rules: z
    .array(
      z.object({
        action: z.enum(["allow", "deny"]),
        match: z
          .object({
            channel: z.string().optional(),
            chatType: ChatType.optional(),
            keyPrefix: z.string().optional(),
          })
          .optional(),
      }),
    )
    .optional(),
});

const MediaKindSchema = z.object({
  enabled: z.boolean().optional(),
  maxBytes: PositiveInt.optional(),
  maxChars: PositiveInt.optional(),
  prompt: z.string().optional(),
  timeoutSeconds: PositiveInt.optional(),
  language: z.string().optional(),
  scope: MediaScopeSchema.optional(),
  models: z.array(MediaModelSchema).optional(),
  attachments: z.record(z.string(), z.unknown()).optional(),
});

const MediaSchema = z.object({
  concurrency: PositiveInt.optional(),
  models: z.array(MediaModelSchema).optional(),
  image: MediaKindSchema.optional(),
  audio: MediaKindSchema.optional(),
  video: MediaKindSchema.optional(),
});

const LinksSchema = z.object({
  enabled: z.boolean().optional(),
  maxLinks: PositiveInt.optional(),
  timeoutSeconds: PositiveInt.optional(),
  models: z.array(MediaModelSchema).optional(),
});

const SpawnAttachmentsSchema = z.object({
  enabled: z.boolean().optional(),
  maxTotalBytes: PositiveInt.optional(),
  maxFiles: PositiveInt.optional(),
  maxFileBytes: PositiveInt.optional(),
  retainOnSessionKeep: z.boolean().optional(),
});

export const ToolsSchema = z
  .object({
    profile: ToolProfile.optional(),
    allow: z.array(z.string()).optional(),
    alsoAllow: z.array(z.string()).optional(),
    deny: z.array(z.string()).optional(),
    byProvider: ByProviderSchema.optional(),
    elevated: ElevatedSchema.optional(),
    exec: ExecToolSchema.extend({
      // `host` stays unset: "sandbox" is the documented default, but an explicit `sandbox` with sandboxing
      // off fails closed while the default falls back to the gateway host (reference-agent §2.7).
      ask: ExecAsk.default("on-miss"),
      backgroundMs: NonNegativeInt.default(10_000),
      timeoutSec: PositiveInt.default(1800),
      cleanupMs: NonNegativeInt.default(1_800_000),
      notifyOnExit: z.boolean().default(true),
      notifyOnExitEmptySuccess: z.boolean().default(false),
      approvalRunningNoticeMs: NonNegativeInt.default(10_000),
      applyPatch: ApplyPatchSchema.extend({ workspaceOnly: z.boolean().default(true) }).prefault({}),
    }).prefault({}),
    /** This project keeps fs tools in the workspace by default (reference-agent §2.5). */
    fs: FsToolSchema.extend({ workspaceOnly: z.boolean().default(true) }).prefault({}),
    web: z.object({ search: WebSearchSchema, fetch: WebFetchSchema }).prefault({}),
    media: MediaSchema.optional(),
    links: LinksSchema.optional(),
    message: MessageToolSchema.optional(),
    agentToAgent: z
      .object({ enabled: z.boolean().default(false), allow: z.array(z.string()).optional() })
      .prefault({}),
    sessions: z.object({ visibility: z.enum(["self", "tree", "agent", "all"]).default("tree") }).prefault({}),
    sessions_spawn: z.object({ attachments: SpawnAttachmentsSchema.optional() }).optional(),
    subagents: z.object({ model: z.string().optional(), tools: ToolPolicySchema.optional() }).optional(),
    sandbox: SandboxToolsSchema.optional(),
    loopDetection: LoopDetectionSchema.extend({
      enabled: z.boolean().default(false),
      historySize: PositiveInt.default(30),
      warningThreshold: PositiveInt.default(10),
      criticalThreshold: PositiveInt.default(20),
      globalCircuitBreakerThreshold: PositiveInt.default(30),
    }).prefault({}),
  })
  .prefault({});
