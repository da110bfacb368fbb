import { z } from "zod";
import { NonNegativeInt, PositiveInt, SecretInput } from "./common.ts";

// `models.*`: custom providers merged with the built-in catalog (reference-agent §6.3, reference-gateway §3).
// Model fields carry no defaults: entries are merged with catalog entries of the same id, and an injected
// default would overwrite the catalog's value. The documented fallbacks (reasoning false, input ["text"],
// cost 0, contextWindow 200000, maxTokens 8192) are applied by the catalog code after the merge.

/** Wire API a provider speaks (reference-agent §6.3, plus the pi-ai APIs we can drive). */
export const ProviderApi = z.enum([
  "openai-completions",
  "openai-responses",
  "anthropic-messages",
  "google-generative-ai",
  "bedrock-converse-stream",
  "openai-codex-responses",
  "github-copilot",
  "google-gemini-cli",
  "ollama",
  "mistral-conversations",
  "azure-openai-responses",
  "google-vertex",
]);
export type ProviderApi = z.output<typeof ProviderApi>;

export const ProviderAuthMode = z.enum(["api-key", "token", "oauth", "aws-sdk"]);

const ModelCostSchema = z.object({
  input: z.number().nonnegative().optional(),
  output: z.number().nonnegative().optional(),
  cacheRead: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
});

export const ModelDefinitionSchema = z.object({
  id: z.string().min(1).describe("Model id as the provider spells it."),
  name: z.string().optional().describe("Display name."),
  api: ProviderApi.optional().describe("Overrides the provider's api for this model."),
  reasoning: z.boolean().optional().describe("Whether the model can think (default false)."),
  input: z
    .array(z.enum(["text", "image"]))
    .optional()
    .describe('Accepted inputs (default ["text"]).'),
  cost: ModelCostSchema.optional().describe("USD per million tokens (default 0)."),
  contextWindow: PositiveInt.optional().describe("Context window in tokens (default 200000)."),
  maxTokens: PositiveInt.optional().describe("Maximum output tokens (default 8192)."),
  headers: z.record(z.string(), SecretInput).optional(),
  /** Per-model request quirks (pi-ai `compat`); free-form so new flags never block a config. */
  compat: z.record(z.string(), z.unknown()).optional(),
});
export type ModelDefinition = z.output<typeof ModelDefinitionSchema>;

export const ProviderConfigSchema = z.object({
  baseUrl: z.string().optional().describe("API base URL (e.g. http://localhost:1234/v1)."),
  apiKey: SecretInput.optional().describe("API key: the literal key, an env var name, or a SecretRef."),
  api: ProviderApi.optional().describe("Wire API the provider speaks."),
  auth: ProviderAuthMode.optional().describe("How the credential is sent."),
  authHeader: z.boolean().optional().describe("Send the key in the Authorization header."),
  headers: z.record(z.string(), SecretInput).optional().describe("Extra static request headers."),
  timeoutSeconds: PositiveInt.optional(),
  injectNumCtxForOpenAICompat: z.boolean().optional(),
  models: z.array(ModelDefinitionSchema).optional().describe("Models this provider serves."),
});
export type ProviderConfig = z.output<typeof ProviderConfigSchema>;

const BedrockDiscoverySchema = z.object({
  enabled: z.boolean().optional(),
  region: z.string().optional(),
  providerFilter: z.array(z.string()).optional(),
  refreshInterval: NonNegativeInt.optional(),
  defaultContextWindow: PositiveInt.optional(),
  defaultMaxTokens: PositiveInt.optional(),
});

export const ModelsSchema = z
  .object({
    mode: z
      .enum(["merge", "replace"])
      .default("merge")
      .describe("merge keeps built-in providers beside custom ones; replace uses only models.providers."),
    providers: z
      .record(z.string(), ProviderConfigSchema)
      .optional()
      .describe("Custom or overridden providers, keyed by provider id."),
    bedrockDiscovery: BedrockDiscoverySchema.optional().describe("AWS Bedrock model auto-discovery."),
  })
  .prefault({});
