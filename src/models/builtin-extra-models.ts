import type { Api, Model } from "@earendil-works/pi-ai";

/**
 * Built-in models OpenClaw 2026.2.26 documents or defaults to that pi-ai 0.87.1's catalog lacks.
 * `loadBuiltinCatalog` consults this table after pi-ai's own, so an id pi-ai learns later wins.
 * Pure data: no code path depends on a particular entry.
 */

const CODEX_BASE_URL = "https://chatgpt.com/backend-api";
/** Gemini CLI's `CODE_ASSIST_ENDPOINT` (packages/core/src/code_assist/server.ts). */
export const CODE_ASSIST_BASE_URL = "https://cloudcode-pa.googleapis.com";

/** Subscription access: OpenClaw reports no per-token price for Gemini CLI sign-ins. */
const FREE = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

/**
 * Gemini 3's discrete thinking levels (ai.google.dev/gemini-api/docs/thinking): 3 Pro accepts
 * LOW and HIGH, 3.1 Pro also MEDIUM, Flash also MINIMAL and MEDIUM; none can switch thinking off.
 */
const GEMINI_3_PRO_LEVELS = {
  off: null,
  minimal: null,
  low: "low",
  medium: null,
  high: "high",
  xhigh: null,
  max: null,
} as const;
const GEMINI_3_1_PRO_LEVELS = { ...GEMINI_3_PRO_LEVELS, medium: "medium" } as const;
const GEMINI_3_FLASH_LEVELS = {
  off: null,
  minimal: "minimal",
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: null,
  max: null,
} as const;

function geminiCli(
  id: string,
  name: string,
  extra: Partial<Model<Api>> & Pick<Model<Api>, "maxTokens" | "reasoning">,
): Model<Api> {
  return {
    id,
    name: `${name} (Cloud Code Assist)`,
    api: "google-gemini-cli",
    provider: "google-gemini-cli",
    baseUrl: CODE_ASSIST_BASE_URL,
    input: ["text", "image"],
    cost: FREE,
    // Gemini 2.x and 3 take 1,048,576 input tokens (ai.google.dev/gemini-api/docs/models).
    contextWindow: 1_048_576,
    ...extra,
  };
}

export const EXTRA_BUILTIN_MODELS: Readonly<Record<string, Readonly<Record<string, Model<Api>>>>> = {
  "openai-codex": {
    // The default of `models auth login --provider openai-codex` (reference-agent §6.7). 2.26
    // resolves it by cloning pi-ai's Codex `gpt-5.2-codex` entry (src/agents/model-forward-compat.ts),
    // so the figures are that entry's: the ChatGPT backend takes 272,000 input tokens (less than the
    // API's 400,000) and up to 128,000 output tokens; prices are the API's gpt-5.3-codex list prices
    // (USD per million tokens), which pi-ai also gives its Codex entries.
    "gpt-5.3-codex": {
      id: "gpt-5.3-codex",
      name: "GPT-5.3 Codex",
      api: "openai-codex-responses",
      provider: "openai-codex",
      baseUrl: CODEX_BASE_URL,
      reasoning: true,
      input: ["text", "image"],
      cost: { input: 1.75, output: 14, cacheRead: 0.175, cacheWrite: 0 },
      contextWindow: 272_000,
      maxTokens: 128_000,
      thinkingLevelMap: { xhigh: "xhigh", minimal: "low" },
    },
  },
  // pi-ai 0.87.1 dropped the Cloud Code Assist provider; these are the ids Gemini CLI serves and
  // OpenClaw 2.26 lists (its default is gemini-3-pro-preview). Code Assist caps output at 65,535.
  "google-gemini-cli": {
    "gemini-2.0-flash": geminiCli("gemini-2.0-flash", "Gemini 2.0 Flash", {
      reasoning: false,
      maxTokens: 8192,
    }),
    "gemini-2.5-flash": geminiCli("gemini-2.5-flash", "Gemini 2.5 Flash", {
      reasoning: true,
      maxTokens: 65_535,
    }),
    "gemini-2.5-pro": geminiCli("gemini-2.5-pro", "Gemini 2.5 Pro", { reasoning: true, maxTokens: 65_535 }),
    "gemini-3-flash-preview": geminiCli("gemini-3-flash-preview", "Gemini 3 Flash Preview", {
      reasoning: true,
      maxTokens: 65_535,
      thinkingLevelMap: GEMINI_3_FLASH_LEVELS,
    }),
    "gemini-3-pro-preview": geminiCli("gemini-3-pro-preview", "Gemini 3 Pro Preview", {
      reasoning: true,
      maxTokens: 65_535,
      thinkingLevelMap: GEMINI_3_PRO_LEVELS,
    }),
    "gemini-3.1-pro-preview": geminiCli("gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview", {
      reasoning: true,
      maxTokens: 65_535,
      thinkingLevelMap: GEMINI_3_1_PRO_LEVELS,
    }),
  },
};
