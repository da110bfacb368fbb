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

const PROVIDER_ALIASES: Readonly<Record<string, string>> = { "z.ai": "zai", "z-ai": "zai", gemini: "google" };

export function normalizeProviderId(provider: string): string {
  const p = provider.trim().toLowerCase();
  return PROVIDER_ALIASES[p] ?? p;
}

/** Parses `provider/model`; `undefined` for text without a provider part. */
export function parseModelRef(text: string): ModelRef | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  if (slash <= 0 || slash === trimmed.length - 1) return undefined;
  return { provider: normalizeProviderId(trimmed.slice(0, slash)), model: trimmed.slice(slash + 1) };
}

export function formatModelRef(ref: ModelRef): string {
  return `${ref.provider}/${ref.model}`;
}

/** Resolves an alias (user aliases win over built-ins) or a `provider/model` ref. */
export function resolveModelRef(
  text: string,
  userAliases: Readonly<Record<string, string>> = {},
): ModelRef | undefined {
  const key = text.trim();
  const aliased = userAliases[key] ?? userAliases[key.toLowerCase()] ?? BUILTIN_ALIASES[key.toLowerCase()];
  return parseModelRef(aliased ?? key);
}
