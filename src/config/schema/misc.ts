import { z } from "zod";
import { NonNegativeInt, PositiveInt, SecretInput, StringMap } from "./common.ts";

// Small top-level sections: logging, env, meta, wizard, update, ui, cli, diagnostics, audio, talk,
// broadcast, web (WhatsApp runtime), nodeHost, acp (reference-gateway §3, reference-agent §5.6).

export const LogLevel = z.enum(["silent", "fatal", "error", "warn", "info", "debug", "trace"]);
export type LogLevel = z.output<typeof LogLevel>;

export const LoggingSchema = z
  .object({
    level: LogLevel.default("info").describe("Level written to the log file."),
    file: z
      .string()
      .optional()
      .describe("Stable log file path (default /tmp/openclaw/openclaw-YYYY-MM-DD.log)."),
    consoleLevel: LogLevel.default("info").describe("Level printed to the console (--verbose raises it)."),
    consoleStyle: z.enum(["pretty", "compact", "json"]).optional().describe("Console line format."),
    redactSensitive: z
      .enum(["off", "tools"])
      .default("tools")
      .describe("Mask secrets in tool arguments and output in logs."),
    redactPatterns: z.array(z.string()).optional().describe("Extra regexes whose matches are masked."),
  })
  .prefault({});

const ShellEnvSchema = z.object({
  enabled: z.boolean().optional(),
  timeoutMs: PositiveInt.default(15_000),
});

/**
 * `env`: variables applied only when missing from the process environment (CFG-8). Besides `vars` and
 * `shellEnv`, any other key is a string-valued shorthand (`env: {OPENROUTER_API_KEY: "…"}`), hence the
 * catchall. The catchall also admits the two object shapes, only so that TypeScript accepts `vars` and
 * `shellEnv` beside the index signature; as a cost, an object under a shorthand key validates too, and
 * only string values are variables.
 */
export const EnvSchema = z
  .object({
    vars: StringMap.optional(),
    shellEnv: ShellEnvSchema.optional(),
  })
  .catchall(z.union([z.string(), StringMap, ShellEnvSchema]));

export const MetaSchema = z.object({
  lastTouchedVersion: z.string().optional(),
  lastTouchedAt: z.union([z.string(), z.number()]).optional(),
});

export const WizardSchema = z.object({
  lastRunAt: z.string().optional(),
  lastRunVersion: z.string().optional(),
  lastRunCommit: z.string().optional(),
  lastRunCommand: z.string().optional(),
  lastRunMode: z.enum(["local", "remote"]).optional(),
});

export const UpdateSchema = z.object({
  channel: z.enum(["stable", "beta", "dev"]).optional(),
  checkOnStart: z.boolean().optional(),
  auto: z
    .object({
      enabled: z.boolean().optional(),
      stableDelayHours: z.number().nonnegative().optional(),
      stableJitterHours: z.number().nonnegative().optional(),
      betaCheckIntervalHours: z.number().positive().optional(),
    })
    .optional(),
});

export const UiSchema = z.object({
  seamColor: z.string().optional(),
  assistant: z.object({ name: z.string().optional(), avatar: z.string().optional() }).optional(),
});

export const CliSchema = z.object({
  banner: z.object({ taglineMode: z.enum(["random", "default", "off"]).optional() }).optional(),
});

export const DiagnosticsSchema = z.object({
  enabled: z.boolean().optional(),
  flags: z.array(z.string()).optional(),
  otel: z
    .object({
      enabled: z.boolean().optional(),
      endpoint: z.string().optional(),
      protocol: z.enum(["http/protobuf", "grpc"]).optional(),
      headers: z.record(z.string(), SecretInput).optional(),
      serviceName: z.string().optional(),
      traces: z.boolean().optional(),
      metrics: z.boolean().optional(),
      logs: z.boolean().optional(),
      sampleRate: z.number().min(0).max(1).optional(),
      flushIntervalMs: PositiveInt.optional(),
    })
    .optional(),
  cacheTrace: z
    .object({
      enabled: z.boolean().optional(),
      filePath: z.string().optional(),
      includeMessages: z.boolean().optional(),
      includePrompt: z.boolean().optional(),
      includeSystem: z.boolean().optional(),
    })
    .optional(),
});

/** Legacy audio transcription hook (superseded by `tools.media.audio`). */
export const AudioSchema = z.object({
  transcription: z
    .object({
      command: z.union([z.string(), z.array(z.string())]).optional(),
      timeoutSeconds: PositiveInt.optional(),
    })
    .optional(),
});

const TalkProviderSchema = z.object({
  voiceId: z.string().optional(),
  voiceAliases: StringMap.optional(),
  modelId: z.string().optional(),
  outputFormat: z.string().optional(),
  apiKey: SecretInput.optional(),
});

export const TalkSchema = TalkProviderSchema.extend({
  provider: z.string().optional(),
  providers: z.record(z.string(), TalkProviderSchema).optional(),
  interruptOnSpeech: z.boolean().optional(),
  silenceTimeoutMs: PositiveInt.optional(),
});

/**
 * `broadcast`: a peer id (e.g. a WhatsApp group JID) → agent ids that all answer it, plus `strategy`.
 * Peer ids are free keys, hence the catchall.
 */
const BroadcastStrategy = z.enum(["parallel", "sequential"]);
export const BroadcastSchema = z
  .object({ strategy: BroadcastStrategy.optional() })
  .catchall(z.union([z.array(z.string()), BroadcastStrategy]));

/** `web`: the WhatsApp Web runtime (reference-agent §5.6). */
export const WebSchema = z
  .object({
    enabled: z.boolean().optional(),
    heartbeatSeconds: PositiveInt.default(60),
    reconnect: z
      .object({
        initialMs: PositiveInt.default(2000),
        maxMs: PositiveInt.default(120_000),
        factor: z.number().positive().default(1.4),
        jitter: z.number().min(0).max(1).default(0.2),
        /** 0 = retry forever. */
        maxAttempts: NonNegativeInt.optional(),
      })
      .prefault({}),
  })
  .prefault({});

export const NodeHostSchema = z.object({
  browserProxy: z
    .object({ enabled: z.boolean().optional(), allowProfiles: z.array(z.string()).optional() })
    .optional(),
});

export const AcpSchema = z.object({
  enabled: z.boolean().optional(),
  dispatch: z.object({ enabled: z.boolean().optional() }).optional(),
  backend: z.string().optional(),
  defaultAgent: z.string().optional(),
  allowedAgents: z.array(z.string()).optional(),
  maxConcurrentSessions: PositiveInt.optional(),
  stream: z
    .object({ coalesceIdleMs: NonNegativeInt.optional(), maxChunkChars: PositiveInt.optional() })
    .optional(),
  runtime: z.object({ ttlMinutes: NonNegativeInt.optional() }).optional(),
});
