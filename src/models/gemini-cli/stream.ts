import type {
  Api,
  AssistantMessageEventStream,
  Model,
  SimpleStreamOptions,
  TranscriptContext,
} from "@earendil-works/pi-ai";
import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/utils/event-stream";
import { CODE_ASSIST_BASE_URL } from "../builtin-extra-models.ts";
import { oauthEndpoints } from "../oauth/providers.ts";
import { emptyAssistantMessage } from "../stream.ts";
import { CodeAssistHttpError, codeAssistError, streamedError, transportErrorMessage } from "./errors.ts";
import { buildCodeAssistRequest } from "./request.ts";
import { CodeAssistChunk, createResponseFolder } from "./response.ts";
import { sseData } from "./sse.ts";

export interface CodeAssistStreamOptions extends SimpleStreamOptions {
  /** The Code Assist project the sign-in found (the oauth profile's `projectId`). */
  projectId?: string;
}

/** Default for `timeoutMs`: how long the service may stay silent, before and between events. */
const IDLE_TIMEOUT_MS = 600_000;

/**
 * Where requests go: a configured `baseUrl` as given; the built-in endpoint unless
 * `OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_CODE_ASSIST_URL` moves it, as it moves the sign-in's calls.
 */
export function streamUrl(model: Pick<Model<Api>, "baseUrl">, env: NodeJS.ProcessEnv): string {
  const base =
    !model.baseUrl || model.baseUrl === CODE_ASSIST_BASE_URL
      ? (oauthEndpoints("google-gemini-cli", env).codeAssistUrl ?? CODE_ASSIST_BASE_URL)
      : model.baseUrl;
  return `${base.replace(/\/+$/, "")}/v1internal:streamGenerateContent?alt=sse`;
}

/**
 * One model call to Cloud Code Assist, the API behind Gemini CLI's Google sign-in. The contract
 * is pi-ai's `StreamFunction`: never throws; an HTTP error ends the stream with a lone `error`
 * event (no `start`), so failover can still move on; after `start`, events mirror pi-ai's Google
 * implementation and end with `done` or `error`. `apiKey` is the OAuth access token.
 */
export function streamCodeAssist(
  model: Model<Api>,
  context: TranscriptContext,
  options: CodeAssistStreamOptions = {},
): AssistantMessageEventStream {
  const out = createAssistantMessageEventStream();
  const output = emptyAssistantMessage(model, Date.now());
  const idleMs = options.timeoutMs ?? IDLE_TIMEOUT_MS;
  const idle = new AbortController();
  const timer = setTimeout(
    () => idle.abort(new Error(`Cloud Code Assist sent nothing for ${idleMs} ms (timeout)`)),
    idleMs,
  );
  const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
  const run = async () => {
    if (!options.apiKey) throw new Error(`No OAuth access token for provider: ${model.provider}`);
    let body: unknown = buildCodeAssistRequest(model, context, options);
    body = (await options.onPayload?.(body, model)) ?? body;
    const res = await fetch(streamUrl(model, { ...process.env, ...options.env }), {
      method: "POST",
      headers: headersFor(model, options),
      body: JSON.stringify(body),
      signal,
    });
    await options.onResponse?.({ status: res.status, headers: Object.fromEntries(res.headers) }, model);
    if (!res.ok || !res.body) throw codeAssistError(res.status, await res.text());
    out.push({ type: "start", partial: output });
    const folder = createResponseFolder(model, output, (ev) => out.push(ev));
    for await (const data of sseData(refreshing(res.body, timer))) {
      const json: unknown = JSON.parse(data);
      const failure = streamedError(json);
      if (failure) throw failure;
      folder.apply(CodeAssistChunk.parse(json));
    }
    folder.finish();
    if (output.stopReason === "pending")
      throw new Error("Cloud Code Assist stream ended without a finish reason");
    if (output.stopReason !== "stop" && output.stopReason !== "length" && output.stopReason !== "toolUse")
      throw new Error(`Cloud Code Assist stopped with: ${output.rawStopReason ?? output.stopReason}`);
    out.push({ type: "done", reason: output.stopReason, message: output });
  };
  void run()
    .catch((err: unknown) => {
      const aborted = options.signal?.aborted === true;
      output.stopReason = aborted ? "aborted" : "error";
      output.errorMessage = aborted
        ? "Request was aborted"
        : err instanceof CodeAssistHttpError
          ? err.message
          : transportErrorMessage(idle.signal.aborted ? idle.signal.reason : err);
      out.push({ type: "error", reason: output.stopReason, error: output });
    })
    .finally(() => {
      clearTimeout(timer);
      out.end();
    });
  return out;
}

function headersFor(model: Model<Api>, options: CodeAssistStreamOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "text/event-stream",
    ...model.headers,
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  // Set last: a configured header must not replace the signed-in account's token.
  headers["authorization"] = `Bearer ${options.apiKey}`;
  return headers;
}

/** Passes the body through, restarting the idle timer on every chunk. */
async function* refreshing(
  body: AsyncIterable<Uint8Array>,
  timer: NodeJS.Timeout,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    timer.refresh();
    yield chunk;
  }
}

/** The module shape `src/models/stream.ts` loads for the `google-gemini-cli` API. */
export const stream = streamCodeAssist;
export const streamSimple = streamCodeAssist;
