import type {
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
};

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

export interface ModelRequestOptions {
  apiKey: string;
  signal: AbortSignal;
  sessionId?: string;
  maxTokens?: number;
  timeoutMs?: number;
}

/**
 * Streams one model response. Per pi-ai's contract, request failures arrive as an `error` event
 * and a final message with `stopReason: "error"`, never as a throw; only a missing API
 * implementation throws.
 */
export async function streamModel(
  model: ResolvedModel,
  context: Context,
  opts: ModelRequestOptions,
): Promise<AssistantMessageEventStream> {
  const load = API_LOADERS[model.api];
  if (!load)
    throw new UnsupportedApiError(`model API "${model.api}" is not supported (provider ${model.provider})`);
  const [impl, { normalizeContext }] = await Promise.all([
    load(),
    import("@earendil-works/pi-ai/utils/transcript"),
  ]);
  const options: SimpleStreamOptions = {
    apiKey: opts.apiKey,
    signal: opts.signal,
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
    ...(opts.maxTokens ? { maxTokens: opts.maxTokens } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  return impl.streamSimple(model, normalizeContext(context), options);
}
