import type {
  AssistantMessage,
  AssistantMessageEventStream,
  Context,
  ProviderStreams,
  SimpleStreamOptions,
} from "@earendil-works/pi-ai";
import type { ResolvedModel } from "./catalog.ts";

/** Wire APIs we can stream, each loaded on first use (the SDK behind it is the heavy part). */
const API_LOADERS: Readonly<Record<string, () => Promise<ProviderStreams>>> = {
  "openai-completions": () => import("@earendil-works/pi-ai/api/openai-completions"),
  "openai-responses": () => import("@earendil-works/pi-ai/api/openai-responses"),
  "openai-codex-responses": () => import("@earendil-works/pi-ai/api/openai-codex-responses"),
  "anthropic-messages": () => import("@earendil-works/pi-ai/api/anthropic-messages"),
  "google-generative-ai": () => import("@earendil-works/pi-ai/api/google-generative-ai"),
  "mistral-conversations": () => import("@earendil-works/pi-ai/api/mistral-conversations"),
  "bedrock-converse-stream": async () =>
    (await import("@earendil-works/pi-ai/api/bedrock-converse-stream.lazy")).bedrockConverseStreamApi(),
  "google-gemini-cli": () => import("./gemini-cli/stream.ts"),
};

/** The model's `api` has no implementation here; reported inside the stream, never thrown to callers. */
export class UnsupportedApiError extends Error {
  override name = "UnsupportedApiError";
}

export function isSupportedApi(api: string): boolean {
  return api in API_LOADERS;
}

/** Imports the implementation of an API ahead of the first request (called after the port opens). */
export async function warmApi(api: string): Promise<void> {
  await API_LOADERS[api]?.();
}

/** How hard a reasoning-capable model thinks; absent means no thinking (`/think off`). */
export type ReasoningEffort = "minimal" | "low" | "medium" | "high" | "xhigh";

export interface ModelRequestOptions {
  /** Empty when the SDK authenticates by itself (an `aws-sdk` credential): then nothing is sent as a key. */
  apiKey: string;
  signal: AbortSignal;
  sessionId?: string;
  maxTokens?: number;
  timeoutMs?: number;
  /** Clamped by pi-ai to what the model supports; models without reasoning ignore it. */
  reasoning?: ReasoningEffort;
  /** The oauth profile's Code Assist project; only the `google-gemini-cli` API reads it. */
  projectId?: string;
  /** The region an `aws-sdk` credential signs for; only the `bedrock-converse-stream` API reads it. */
  awsRegion?: string;
}

/**
 * Streams one model response. Per pi-ai's contract, failures arrive as an `error` event and a final
 * message with `stopReason: "error"`, never as a throw: that holds here too for an API we cannot
 * drive or whose implementation fails to load, so the run loop has one failure path.
 */
export async function streamModel(
  model: ResolvedModel,
  context: Context,
  opts: ModelRequestOptions,
): Promise<AssistantMessageEventStream> {
  try {
    const load = API_LOADERS[model.api];
    if (!load)
      throw new UnsupportedApiError(`model API "${model.api}" is not supported (provider ${model.provider})`);
    const [impl, { normalizeContext }] = await Promise.all([
      load(),
      import("@earendil-works/pi-ai/utils/transcript"),
    ]);
    const options: SimpleStreamOptions & { projectId?: string } = {
      // pi-ai's Bedrock client sends any apiKey as a bearer token instead of signing with SigV4.
      ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
      signal: opts.signal,
      ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
      ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.reasoning ? { reasoning: opts.reasoning } : {}),
      ...(opts.projectId ? { projectId: opts.projectId } : {}),
      // pi-ai's Bedrock client reads the region from this env before process.env (its `region`
      // option does not survive streamSimple); the endpoint comes from the model's baseUrl.
      ...(opts.awsRegion ? { env: { AWS_REGION: opts.awsRegion } } : {}),
    };
    return impl.streamSimple(model, normalizeContext(context), options);
  } catch (err) {
    return failedStream(model, err instanceof Error ? err.message : String(err));
  }
}

/** A stream that ends at once with an error, as pi-ai's own streams do when a request fails. */
async function failedStream(
  model: ResolvedModel,
  errorMessage: string,
): Promise<AssistantMessageEventStream> {
  const { createAssistantMessageEventStream } = await import("@earendil-works/pi-ai/utils/event-stream");
  const stream = createAssistantMessageEventStream();
  stream.push({
    type: "error",
    reason: "error",
    error: failedAssistantMessage(model, errorMessage, Date.now()),
  });
  return stream;
}

/**
 * An assistant message with no content and zero usage, the start of every answer (`stopReason`
 * `pending` until the stream says otherwise).
 */
export function emptyAssistantMessage(
  model: Pick<ResolvedModel, "api" | "provider" | "id">,
  at: number,
): AssistantMessage {
  return {
    role: "assistant",
    content: [],
    api: model.api,
    provider: model.provider,
    model: model.id,
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: "pending",
    timestamp: at,
  };
}

/**
 * An assistant turn that produced nothing but an error, in the shape pi-ai and OpenClaw persist
 * for a failed attempt (`stopReason: "error"`, empty content, zero usage).
 */
export function failedAssistantMessage(
  model: Pick<ResolvedModel, "api" | "provider" | "id">,
  errorMessage: string,
  at: number,
): AssistantMessage {
  return { ...emptyAssistantMessage(model, at), stopReason: "error", errorMessage };
}
