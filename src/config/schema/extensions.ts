import { z } from "zod";
import { PositiveInt, SecretInput, StringMap } from "./common.ts";

// `plugins.*`, `skills.*` (reference-agent §7.5, SKL-8) and `secrets.*` (SecretRef providers).

const PluginEntrySchema = z.object({
  enabled: z.boolean().optional(),
  apiKey: SecretInput.optional(),
  env: StringMap.optional(),
  hooks: z.object({ allowPromptInjection: z.boolean().optional() }).optional(),
  /** Validated by the plugin's own schema, not here. */
  config: z.record(z.string(), z.unknown()).optional(),
});

/** CLI-managed install records (`openclaw plugins install/update`). */
const PluginInstallSchema = z.object({
  source: z.string().optional(),
  spec: z.string().optional(),
  sourcePath: z.string().optional(),
  installPath: z.string().optional(),
  version: z.string().optional(),
  resolvedName: z.string().optional(),
  resolvedVersion: z.string().optional(),
  resolvedSpec: z.string().optional(),
  integrity: z.string().optional(),
  shasum: z.string().optional(),
  resolvedAt: z.string().optional(),
  installedAt: z.string().optional(),
});

export const PluginsSchema = z.object({
  enabled: z.boolean().optional(),
  allow: z.array(z.string()).optional(),
  deny: z.array(z.string()).optional(),
  load: z.object({ paths: z.array(z.string()).optional() }).optional(),
  slots: z.object({ memory: z.string().optional(), contextEngine: z.string().optional() }).optional(),
  entries: z.record(z.string(), PluginEntrySchema).optional(),
  installs: z.record(z.string(), PluginInstallSchema).optional(),
});

const SkillEntrySchema = z.object({
  enabled: z.boolean().optional(),
  /** Mapped to the skill's `primaryEnv`. */
  apiKey: SecretInput.optional(),
  env: StringMap.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});

export const SkillsSchema = z.object({
  /** Allowlist for bundled skills only. */
  allowBundled: z.array(z.string()).optional(),
  load: z
    .object({
      extraDirs: z.array(z.string()).optional(),
      watch: z.boolean().optional(),
      watchDebounceMs: PositiveInt.optional(),
    })
    .optional(),
  install: z
    .object({
      preferBrew: z.boolean().optional(),
      nodeManager: z.enum(["npm", "pnpm", "yarn", "bun"]).optional(),
    })
    .optional(),
  entries: z.record(z.string(), SkillEntrySchema).optional(),
});

const EnvSecretProviderSchema = z.object({
  source: z.literal("env"),
  allowlist: z.array(z.string()).optional(),
});

const FileSecretProviderSchema = z.object({
  source: z.literal("file"),
  path: z.string().min(1),
  mode: z.enum(["json", "singleValue"]).optional(),
  timeoutMs: PositiveInt.optional(),
  maxBytes: PositiveInt.optional(),
});

const ExecSecretProviderSchema = z.object({
  source: z.literal("exec"),
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  timeoutMs: PositiveInt.optional(),
  noOutputTimeoutMs: PositiveInt.optional(),
  maxOutputBytes: PositiveInt.optional(),
  jsonOnly: z.boolean().optional(),
  env: StringMap.optional(),
  passEnv: z.array(z.string()).optional(),
  trustedDirs: z.array(z.string()).optional(),
  allowInsecurePath: z.boolean().optional(),
  allowSymlinkCommand: z.boolean().optional(),
});

export const SecretsSchema = z.object({
  providers: z
    .record(
      z.string(),
      z.union([EnvSecretProviderSchema, FileSecretProviderSchema, ExecSecretProviderSchema]),
    )
    .optional(),
  /** Provider name used by a SecretRef of that source that names none. */
  defaults: z
    .object({ env: z.string().optional(), file: z.string().optional(), exec: z.string().optional() })
    .optional(),
  resolution: z
    .object({
      maxProviderConcurrency: PositiveInt.optional(),
      maxRefsPerProvider: PositiveInt.optional(),
      maxBatchBytes: PositiveInt.optional(),
    })
    .optional(),
});
