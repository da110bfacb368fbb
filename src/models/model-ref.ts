/** A model reference `provider/model`, split on the first `/` (reference-agent §6.1). */
export interface ModelRef {
  provider: string;
  model: string;
}

/** OpenClaw's built-in default model (2026.2.26). */
export const DEFAULT_MODEL_REF = "anthropic/claude-opus-4-6";

export const BUILTIN_ALIASES: Readonly<Record<string, string>> = {
  opus: "anthropic/claude-opus-4-6",
  sonnet: "anthropic/claude-sonnet-4-6",
  gpt: "openai/gpt-5.2",
  "gpt-mini": "openai/gpt-5-mini",
  gemini: "google/gemini-3-pro-preview",
  "gemini-flash": "google/gemini-3-flash-preview",
};

/** Provider spellings 2.26 normalizes (`normalizeProviderId`), plus `gemini` for Google. */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  "z.ai": "zai",
  "z-ai": "zai",
  "opencode-zen": "opencode",
  qwen: "qwen-portal",
  "kimi-code": "kimi-coding",
  bedrock: "amazon-bedrock",
  "aws-bedrock": "amazon-bedrock",
  gemini: "google",
};

export function normalizeProviderId(provider: string): string {
  const p = provider.trim().toLowerCase();
  return PROVIDER_ALIASES[p] ?? p;
}

/** Parses `provider/model`, split on the first `/`; `undefined` for text without both parts. */
export function parseModelRef(text: string): ModelRef | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  if (slash < 0) return undefined;
  const provider = normalizeProviderId(trimmed.slice(0, slash));
  const model = trimmed.slice(slash + 1).trim();
  return provider && model ? { provider, model } : undefined;
}

export function formatModelRef(ref: ModelRef): string {
  return `${ref.provider}/${ref.model}`;
}

/**
 * Resolves an alias (user aliases win over built-ins) or a `provider/model` ref. Other text without
 * a `/` is a model of `defaultProvider` when one is given (reference-agent §6.1).
 */
export function resolveModelRef(
  text: string,
  userAliases: Readonly<Record<string, string>> = {},
  defaultProvider?: string,
): ModelRef | undefined {
  const key = text.trim();
  const aliased = userAliases[key] ?? userAliases[key.toLowerCase()] ?? BUILTIN_ALIASES[key.toLowerCase()];
  if (aliased !== undefined) return parseModelRef(aliased);
  if (key && !key.includes("/") && defaultProvider)
    return { provider: normalizeProviderId(defaultProvider), model: key };
  return parseModelRef(key);
}
