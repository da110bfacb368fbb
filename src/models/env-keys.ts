/** Environment variables holding a provider's key, in preference order (reference-agent §6.4). */
export const PROVIDER_ENV_KEYS: Readonly<Record<string, readonly string[]>> = {
  anthropic: ["ANTHROPIC_OAUTH_TOKEN", "ANTHROPIC_API_KEY"],
  openai: ["OPENAI_API_KEY"],
  google: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  "github-copilot": ["COPILOT_GITHUB_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"],
  openrouter: ["OPENROUTER_API_KEY"],
  xai: ["XAI_API_KEY"],
  groq: ["GROQ_API_KEY"],
  cerebras: ["CEREBRAS_API_KEY"],
  mistral: ["MISTRAL_API_KEY"],
  zai: ["ZAI_API_KEY", "Z_AI_API_KEY"],
  moonshot: ["MOONSHOT_API_KEY"],
  "kimi-coding": ["KIMI_API_KEY", "KIMICODE_API_KEY"],
  minimax: ["MINIMAX_OAUTH_TOKEN", "MINIMAX_API_KEY"],
  opencode: ["OPENCODE_API_KEY", "OPENCODE_ZEN_API_KEY"],
  chutes: ["CHUTES_OAUTH_TOKEN", "CHUTES_API_KEY"],
  huggingface: ["HUGGINGFACE_HUB_TOKEN", "HF_TOKEN"],
  litellm: ["LITELLM_API_KEY"],
  "vercel-ai-gateway": ["AI_GATEWAY_API_KEY"],
  together: ["TOGETHER_API_KEY"],
  venice: ["VENICE_API_KEY"],
  nvidia: ["NVIDIA_API_KEY"],
  xiaomi: ["XIAOMI_API_KEY"],
  ollama: ["OLLAMA_API_KEY"],
  vllm: ["VLLM_API_KEY"],
};

export function envKeyFor(
  provider: string,
  env: NodeJS.ProcessEnv,
): { key: string; source: string } | undefined {
  for (const name of PROVIDER_ENV_KEYS[provider] ?? []) {
    const value = env[name];
    if (value) return { key: value, source: `env:${name}` };
  }
  return undefined;
}
