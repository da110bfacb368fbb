// Fake Gemini API (generativelanguage.googleapis.com) in the wire format of
// ai.google.dev/api: GenerateContentResponse JSON for :generateContent, SSE frames of it for
// :streamGenerateContent?alt=sse (a JSON array without alt=sse), and google.rpc.Status
// error bodies `{"error":{code,message,status}}`.
import { z } from "zod";
import {
  checkBody,
  type ErrorReply,
  type ErrorStatus,
  type Exchange,
  type FakeLlm,
  type FakeLlmOptions,
  type ModelTurn,
  openSse,
  pace,
  paceWhole,
  randomId,
  sendJson,
  sseFrame,
  startFakeLlm,
  type TurnUsage,
  turnOf,
  turnUsage,
} from "./http-server.ts";

/**
 * Starts a fake Gemini API. `baseUrl` is `http://127.0.0.1:<port>/v1beta`, matching
 * pi-ai's Google provider (`https://generativelanguage.googleapis.com/v1beta`): pi-ai
 * gives `@google/genai` an empty apiVersion whenever it sets a baseUrl, so the version must
 * be in the baseUrl and the SDK appends `/models/<model>:streamGenerateContent?alt=sse`.
 * The fake serves `/v1beta/...` and `/v1/...` only, so a baseUrl without a version fails
 * with 404 as the real host would. The key is read from `x-goog-api-key` or `?key=`.
 */
export function startFakeGoogle(opts: FakeLlmOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(
    {
      basePath: "/v1beta",
      apiKeyOf: (req, url) => {
        const key = req.headers["x-goog-api-key"];
        if (typeof key === "string" && key !== "") return key;
        return url.searchParams.get("key") ?? undefined;
      },
      textRoots: (body) => {
        const b = (body ?? {}) as Record<string, unknown>;
        return [b["systemInstruction"], b["contents"]];
      },
      handle: (ex) => route(ex, opts),
    },
    opts,
  );
}

const MODEL_METHOD = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** google.rpc.Code names for the HTTP statuses a script can ask for. */
const STATUS_NAMES: Record<ErrorStatus, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  529: "UNAVAILABLE",
};

async function route(ex: Exchange, opts: FakeLlmOptions): Promise<void> {
  const match = MODEL_METHOD.exec(ex.recorded.path);
  if (ex.recorded.method !== "POST" || !match) {
    return sendError(
      ex,
      404,
      "NOT_FOUND",
      `The requested URL ${ex.recorded.path} was not found on this server.`,
    );
  }
  const [, version = "v1beta", model = "", method] = match;
  return generate(ex, opts, { version, model, stream: method === "streamGenerateContent" });
}

function sendError(ex: Exchange, code: number, status: string, message: string, details?: unknown[]): void {
  sendJson(
    ex.res,
    code,
    { error: { code, message, status, ...(details ? { details } : {}) } },
    { "content-type": "application/json; charset=UTF-8" },
  );
}

/** Answers a missing or (when `opts.apiKey` is set) wrong key as the Gemini API does; true if it did. */
function rejectKey(ex: Exchange, opts: FakeLlmOptions): boolean {
  const key = ex.recorded.apiKey;
  if (!key) {
    sendError(
      ex,
      403,
      "PERMISSION_DENIED",
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
    return true;
  }
  if (opts.apiKey !== undefined && key !== opts.apiKey) {
    sendError(ex, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com" },
      },
    ]);
    return true;
  }
  return false;
}

const GenerateContentRequest = z.looseObject({
  contents: z.array(z.looseObject({ parts: z.array(z.unknown()), role: z.string().optional() })),
});

function scriptedMessage(status: ErrorStatus, model: string, version: string): string {
  switch (status) {
    case 400:
      return "Request contains an invalid argument.";
    case 401:
      return "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.";
    case 403:
      return "The caller does not have permission";
    case 404:
      return `models/${model} is not found for API version ${version}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`;
    case 429:
      return "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.";
    case 500:
      return "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
    case 503:
    case 529:
      return "The model is overloaded. Please try again later.";
  }
}

/** Gemini has no retry-after header; a 429 says when to retry in a google.rpc.RetryInfo detail. */
function sendScriptedError(ex: Exchange, reply: ErrorReply, model: string, version: string): void {
  const details =
    reply.retryAfterSeconds === undefined
      ? undefined
      : [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${reply.retryAfterSeconds}s` }];
  const message = reply.message ?? scriptedMessage(reply.status, model, version);
  sendError(ex, reply.status, STATUS_NAMES[reply.status], message, details);
}

async function generate(
  ex: Exchange,
  opts: FakeLlmOptions,
  call: { version: string; model: string; stream: boolean },
): Promise<void> {
  if (rejectKey(ex, opts)) return;
  const checked = checkBody(GenerateContentRequest, ex.recorded.body);
  if (!checked.ok) {
    const { path, missing } = checked.problem;
    const message =
      path === ""
        ? "Invalid JSON payload received. Unexpected token."
        : missing
          ? `* GenerateContentRequest.${path}: ${path} is not specified\n`
          : `Invalid value at '${path}'`;
    return sendError(ex, 400, "INVALID_ARGUMENT", message);
  }
  const turn = turnOf(ex.takeReply(), (reply) => sendScriptedError(ex, reply, call.model, call.version));
  if (!turn) return;
  const usage = turnUsage(ex.promptText, turn);
  const responseId = randomId("", 22);
  const chunks = call.stream ? streamChunks(turn) : [wholeAnswer(turn)];
  const render = (chunk: Chunk) => responseJson(chunk, usage, call.model, responseId);
  if (!call.stream) {
    await paceWhole(turn, ex.signal);
    return sendJson(ex.res, 200, render(chunks[0] as Chunk));
  }
  if (ex.url.searchParams.get("alt") !== "sse") {
    // Without alt=sse the stream is one JSON array of the same responses.
    await paceWhole(turn, ex.signal);
    return sendJson(ex.res, 200, chunks.map(render));
  }
  openSse(ex.res);
  for (const chunk of chunks) {
    if (chunk.textIndex !== undefined) await pace(turn, chunk.textIndex, ex.signal);
    ex.res.write(sseFrame(render(chunk), { eol: "\r\n" }));
  }
  ex.res.end();
}

/** One `GenerateContentResponse` of a Gemini stream, before it is rendered (Code Assist wraps the same). */
export interface Chunk {
  parts: Record<string, unknown>[];
  finished: boolean;
  /** Output characters produced up to and including this chunk. */
  outputChars: number;
  /** Which text piece this chunk carries, for pacing. */
  textIndex: number | undefined;
}

function functionCallParts(turn: ModelTurn): Record<string, unknown>[] {
  return turn.toolCalls.map((c) => ({
    functionCall: { ...(c.id !== undefined ? { id: c.id } : {}), name: c.name, args: c.arguments },
  }));
}

/** One chunk per text piece; function calls arrive whole in a last chunk; the last chunk carries finishReason. */
export function streamChunks(turn: ModelTurn): Chunk[] {
  const chunks: Chunk[] = [];
  let outputChars = 0;
  for (const [i, piece] of turn.textPieces.entries()) {
    outputChars += piece.length;
    chunks.push({ parts: [{ text: piece }], finished: false, outputChars, textIndex: i });
  }
  if (turn.toolCalls.length > 0) {
    outputChars += turn.toolCalls.reduce((n, c) => n + c.argumentsJson.length, 0);
    chunks.push({ parts: functionCallParts(turn), finished: false, outputChars, textIndex: undefined });
  }
  const last = chunks.at(-1);
  if (last) last.finished = true;
  else chunks.push({ parts: [{ text: "" }], finished: true, outputChars: 0, textIndex: undefined });
  return chunks;
}

export function wholeAnswer(turn: ModelTurn): Chunk {
  const text = turn.text !== "" || turn.toolCalls.length === 0 ? [{ text: turn.text }] : [];
  return {
    parts: [...text, ...functionCallParts(turn)],
    finished: true,
    outputChars: 0,
    textIndex: undefined,
  };
}

function responseJson(chunk: Chunk, usage: TurnUsage, model: string, responseId: string) {
  const candidatesTokenCount = chunk.finished ? usage.outputTokens : Math.ceil(chunk.outputChars / 4);
  return {
    candidates: [
      {
        content: { parts: chunk.parts, role: "model" },
        ...(chunk.finished ? { finishReason: "STOP" } : {}),
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: usage.inputTokens,
      candidatesTokenCount,
      totalTokenCount: usage.inputTokens + candidatesTokenCount,
      promptTokensDetails: [{ modality: "TEXT", tokenCount: usage.inputTokens }],
    },
    modelVersion: model,
    responseId,
  };
}
