import { z } from "zod";
import {
  ByteSizeInput,
  DurationInput,
  ModelRefSchema,
  PortNumber,
  PositiveInt,
  SecretInput,
  ThinkingLevel,
} from "./common.ts";

// `cron.*` (reference-agent §7.1) and `hooks.*` (reference-gateway §1, §3; reference-agent §7.3).

export const CronSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Default `<stateDir>/cron/jobs.json`. */
    store: z.string().optional(),
    maxConcurrentRuns: PositiveInt.optional(),
    /** Legacy fallback URL for stored jobs with `notify: true`. */
    webhook: z.string().optional(),
    webhookToken: SecretInput.optional(),
    /** How long finished isolated run sessions are kept; `false` keeps them. */
    sessionRetention: z.union([DurationInput, z.literal(false)]).default("24h"),
    runLog: z
      .object({
        maxBytes: ByteSizeInput.default(2_000_000),
        keepLines: PositiveInt.default(2000),
      })
      .prefault({}),
  })
  .prefault({});

const WakeMode = z.enum(["now", "next-heartbeat"]);

const HookMappingSchema = z.object({
  id: z.string().optional(),
  match: z.object({ path: z.string().optional(), source: z.string().optional() }).optional(),
  action: z.enum(["agent", "wake"]).optional(),
  agentId: z.string().optional(),
  wakeMode: WakeMode.optional(),
  name: z.string().optional(),
  sessionKey: z.string().optional(),
  messageTemplate: z.string().optional(),
  textTemplate: z.string().optional(),
  deliver: z.boolean().optional(),
  allowUnsafeExternalContent: z.boolean().optional(),
  channel: z.string().optional(),
  to: z.string().optional(),
  model: ModelRefSchema.optional(),
  thinking: ThinkingLevel.optional(),
  timeoutSeconds: PositiveInt.optional(),
  transform: z
    .union([z.string(), z.object({ module: z.string(), export: z.string().optional() })])
    .optional(),
});

const GmailSchema = z.object({
  account: z.string().optional(),
  label: z.string().optional(),
  topic: z.string().optional(),
  subscription: z.string().optional(),
  pushToken: SecretInput.optional(),
  hookUrl: z.string().optional(),
  includeBody: z.boolean().optional(),
  maxBytes: PositiveInt.optional(),
  renewEveryMinutes: PositiveInt.optional(),
  allowUnsafeExternalContent: z.boolean().optional(),
  serve: z
    .object({ bind: z.string().optional(), port: PortNumber.optional(), path: z.string().optional() })
    .optional(),
  tailscale: z
    .object({
      mode: z.enum(["off", "serve", "funnel"]).optional(),
      path: z.string().optional(),
      target: z.string().optional(),
    })
    .optional(),
  model: ModelRefSchema.optional(),
  thinking: ThinkingLevel.optional(),
});

/** Internal (HOOK.md) hooks: `session-memory`, `boot-md`, `command-logger`… (reference-agent §7.3). */
const InternalHooksSchema = z.object({
  enabled: z.boolean().optional(),
  entries: z
    .record(
      z.string(),
      z.object({
        enabled: z.boolean().optional(),
        env: z.record(z.string(), z.string()).optional(),
        config: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  load: z.object({ extraDirs: z.array(z.string()).optional() }).optional(),
  handlers: z
    .array(z.object({ event: z.string(), module: z.string(), export: z.string().optional() }))
    .optional(),
  installs: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

export const HooksSchema = z
  .object({
    enabled: z.boolean().optional(),
    token: SecretInput.optional(),
    path: z.string().default("/hooks"),
    maxBodyBytes: PositiveInt.default(262_144),
    defaultSessionKey: z.string().optional(),
    allowRequestSessionKey: z.boolean().default(false),
    allowedSessionKeyPrefixes: z.array(z.string()).optional(),
    allowedAgentIds: z.array(z.string()).optional(),
    presets: z.array(z.string()).optional(),
    transformsDir: z.string().optional(),
    mappings: z.array(HookMappingSchema).optional(),
    gmail: GmailSchema.optional(),
    internal: InternalHooksSchema.optional(),
  })
  .prefault({});
