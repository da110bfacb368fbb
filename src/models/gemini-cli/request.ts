import { randomUUID } from "node:crypto";
import type { Api, Model, ThinkingBudgets, ThinkingLevel, TranscriptContext } from "@earendil-works/pi-ai";
import {
  convertMessages,
  convertTools,
  resolveGoogleFunctionCallingMode,
  supportsGoogleStrictToolSampling,
  usesGoogleThinkingLevel,
} from "@earendil-works/pi-ai/api/google-shared";
import { sanitizeSurrogates } from "@earendil-works/pi-ai/utils/sanitize-unicode";
import { getSystemMessageText } from "@earendil-works/pi-ai/utils/text";
import { getCurrentTools, getInitialSystemMessage } from "@earendil-works/pi-ai/utils/transcript";

/**
 * The body of `POST /v1internal:streamGenerateContent`, as Gemini CLI sends it
 * (packages/core/src/code_assist/converter.ts `CAGenerateContentRequest`): the Gemini
 * `GenerateContentRequest` wrapped with the model and the user's Code Assist project.
 */
export interface CodeAssistRequest {
  model: string;
  project?: string;
  user_prompt_id: string;
  request: {
    contents: unknown[];
    systemInstruction?: { role: "user"; parts: { text: string }[] };
    tools?: unknown[];
    toolConfig?: { functionCallingConfig: { mode: string } };
    generationConfig?: GenerationConfig;
    session_id?: string;
  };
}

export interface ThinkingConfig {
  includeThoughts: boolean;
  thinkingBudget?: number;
  thinkingLevel?: "MINIMAL" | "LOW" | "MEDIUM" | "HIGH";
}

interface GenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  thinkingConfig?: ThinkingConfig;
}

export interface CodeAssistRequestOptions {
  projectId?: string;
  sessionId?: string;
  maxTokens?: number;
  temperature?: number;
  toolChoice?: string;
  reasoning?: ThinkingLevel;
  thinkingBudgets?: ThinkingBudgets;
}

type GoogleModel = Model<"google-generative-ai">;

/**
 * Builds the request for one model call. Messages and tools take Gemini's shapes through pi-ai's
 * shared Google converters, the same ones its Gemini API and Vertex implementations use. Pure
 * apart from the fresh `user_prompt_id`.
 */
export function buildCodeAssistRequest(
  model: Model<Api>,
  context: TranscriptContext,
  opts: CodeAssistRequestOptions,
): CodeAssistRequest {
  // The converters only read fields every Google-family model has; the api tag is not consulted.
  const google = model as unknown as GoogleModel;
  const tools = getCurrentTools(context.messages);
  const strict = supportsGoogleStrictToolSampling(model.id);
  const mode =
    tools.length > 0 ? resolveGoogleFunctionCallingMode(tools, opts.toolChoice, strict) : undefined;
  const system = getInitialSystemMessage(context.messages);
  const systemText = system ? getSystemMessageText(system) : "";
  const thinkingConfig = opts.reasoning && model.reasoning ? thinkingFor(model, opts) : undefined;
  const generationConfig: GenerationConfig = {
    ...(opts.maxTokens !== undefined ? { maxOutputTokens: opts.maxTokens } : {}),
    ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
    ...(thinkingConfig ? { thinkingConfig } : {}),
  };
  const convertedTools = tools.length > 0 ? convertTools(tools, false, strict) : undefined;
  return {
    model: model.id,
    ...(opts.projectId ? { project: opts.projectId } : {}),
    user_prompt_id: randomUUID(),
    request: {
      contents: convertMessages(google, context),
      // Gemini CLI turns a string system instruction into a user-role Content (converter.ts toContent).
      ...(systemText
        ? { systemInstruction: { role: "user", parts: [{ text: sanitizeSurrogates(systemText) }] } }
        : {}),
      ...(convertedTools ? { tools: convertedTools } : {}),
      ...(mode !== undefined ? { toolConfig: { functionCallingConfig: { mode: String(mode) } } } : {}),
      ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
      ...(opts.sessionId ? { session_id: opts.sessionId } : {}),
    },
  };
}

const LEVELS = ["minimal", "low", "medium", "high"] as const;
type Level = (typeof LEVELS)[number];

/**
 * Token budgets per level for Gemini 2.x, inside each family's documented range
 * (ai.google.dev/gemini-api/docs/thinking: 2.5 Pro 128–32,768; 2.5 Flash 0–24,576;
 * 2.5 Flash-Lite 512–24,576).
 */
const BUDGETS: readonly [RegExp, Record<Level, number>][] = [
  [/2\.5-pro/, { minimal: 128, low: 2048, medium: 8192, high: 32_768 }],
  [/2\.5-flash-lite/, { minimal: 512, low: 2048, medium: 8192, high: 24_576 }],
  [/2\.5-flash/, { minimal: 128, low: 2048, medium: 8192, high: 24_576 }],
];

/**
 * The thinking request for a level: Gemini 3 takes a discrete `thinkingLevel` (the nearest one
 * the model's `thinkingLevelMap` allows, preferring more thinking), Gemini 2.x a token budget
 * (`thinkingBudgets` overrides; -1 lets the model decide for ids we have no table for). Pure.
 */
export function thinkingFor(
  model: Model<Api>,
  opts: Pick<CodeAssistRequestOptions, "reasoning" | "thinkingBudgets">,
): ThinkingConfig {
  const requested: Level =
    opts.reasoning === "xhigh" || opts.reasoning === "max" ? "high" : (opts.reasoning ?? "medium");
  if (usesGoogleThinkingLevel(model as unknown as GoogleModel)) {
    const allowed = LEVELS.filter((l) => model.thinkingLevelMap?.[l] !== null);
    const at = LEVELS.indexOf(requested);
    const level =
      allowed.find((l) => LEVELS.indexOf(l) >= at) ??
      allowed.findLast((l) => LEVELS.indexOf(l) < at) ??
      "high";
    return { includeThoughts: true, thinkingLevel: level.toUpperCase() as ThinkingConfig["thinkingLevel"] };
  }
  const table = BUDGETS.find(([re]) => re.test(model.id))?.[1];
  const thinkingBudget = opts.thinkingBudgets?.[requested] ?? table?.[requested] ?? -1;
  return { includeThoughts: true, thinkingBudget };
}
