import { z } from "zod";
import { DurationInput, NonNegativeInt, PositiveInt, SecretInput, StringMap } from "./common.ts";

// `agents.defaults.memorySearch` / `agents.list[].memorySearch` (reference-agent §7.4) and the top-level
// `memory` section. memorySearch is an override layer (agent over defaults), so it carries no defaults;
// the documented ones (400-token chunks, 80 overlap, weights 0.7/0.3, ×4 candidates) live in memory/.

export const EmbeddingProvider = z.enum(["openai", "gemini", "voyage", "mistral", "local", "ollama"]);

const BatchSchema = z.object({
  enabled: z.boolean().optional(),
  wait: z.boolean().optional(),
  concurrency: PositiveInt.optional(),
  pollIntervalMs: PositiveInt.optional(),
  timeoutMinutes: PositiveInt.optional(),
});

const HybridSchema = z.object({
  enabled: z.boolean().optional(),
  vectorWeight: z.number().min(0).max(1).optional(),
  textWeight: z.number().min(0).max(1).optional(),
  candidateMultiplier: z.number().positive().optional(),
  mmr: z.object({ enabled: z.boolean().optional(), lambda: z.number().min(0).max(1).optional() }).optional(),
  temporalDecay: z
    .object({ enabled: z.boolean().optional(), halfLifeDays: z.number().positive().optional() })
    .optional(),
});

export const MemorySearchSchema = z.object({
  enabled: z.boolean().optional(),
  provider: EmbeddingProvider.optional(),
  fallback: z.union([EmbeddingProvider, z.literal("none")]).optional(),
  model: z.string().optional(),
  sources: z.array(z.enum(["memory", "sessions"])).optional(),
  extraPaths: z.array(z.string()).optional(),
  remote: z
    .object({
      baseUrl: z.string().optional(),
      apiKey: SecretInput.optional(),
      headers: z.record(z.string(), SecretInput).optional(),
      batch: BatchSchema.optional(),
    })
    .optional(),
  local: z.object({ modelPath: z.string().optional(), modelCacheDir: z.string().optional() }).optional(),
  store: z
    .object({
      driver: z.literal("sqlite").optional(),
      /** May contain the `{agentId}` token. */
      path: z.string().optional(),
      vector: z.object({ enabled: z.boolean().optional(), extensionPath: z.string().optional() }).optional(),
    })
    .optional(),
  chunking: z.object({ tokens: PositiveInt.optional(), overlap: NonNegativeInt.optional() }).optional(),
  sync: z
    .object({
      onSessionStart: z.boolean().optional(),
      onSearch: z.boolean().optional(),
      watch: z.boolean().optional(),
      watchDebounceMs: NonNegativeInt.optional(),
      intervalMinutes: NonNegativeInt.optional(),
      sessions: z
        .object({ deltaBytes: NonNegativeInt.optional(), deltaMessages: NonNegativeInt.optional() })
        .optional(),
    })
    .optional(),
  query: z
    .object({
      maxResults: PositiveInt.optional(),
      minScore: z.number().min(0).max(1).optional(),
      hybrid: HybridSchema.optional(),
    })
    .optional(),
  cache: z.object({ enabled: z.boolean().optional(), maxEntries: PositiveInt.optional() }).optional(),
  experimental: z.object({ sessionMemory: z.boolean().optional() }).optional(),
});

const QmdSchema = z.object({
  command: z.string().optional(),
  includeDefaultMemory: z.boolean().optional(),
  paths: z
    .array(
      z.union([
        z.string(),
        z.object({ path: z.string(), name: z.string().optional(), pattern: z.string().optional() }),
      ]),
    )
    .optional(),
  sessions: z
    .object({
      enabled: z.boolean().optional(),
      exportDir: z.string().optional(),
      retentionDays: PositiveInt.optional(),
    })
    .optional(),
  update: z
    .object({
      interval: DurationInput.optional(),
      debounceMs: NonNegativeInt.optional(),
      onBoot: z.boolean().optional(),
      embedInterval: DurationInput.optional(),
    })
    .optional(),
  limits: z
    .object({
      maxResults: PositiveInt.optional(),
      maxSnippetChars: PositiveInt.optional(),
      maxInjectedChars: PositiveInt.optional(),
      timeoutMs: PositiveInt.optional(),
    })
    .optional(),
  scope: z.record(z.string(), z.unknown()).optional(),
  env: StringMap.optional(),
});

export const MemorySchema = z.object({
  backend: z.enum(["builtin", "qmd"]).optional(),
  citations: z.enum(["auto", "on", "off"]).optional(),
  qmd: QmdSchema.optional(),
});
