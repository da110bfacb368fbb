// Fake Cloud Code Assist (cloudcode-pa.googleapis.com), the API Gemini CLI's Google sign-in
// talks to: `POST /v1internal:streamGenerateContent?alt=sse` takes a Gemini
// GenerateContentRequest wrapped as `{model, project, user_prompt_id, request}` and answers SSE
// frames of `{response: GenerateContentResponse, traceId}` (a JSON array of them without
// alt=sse); `:generateContent` answers one. Errors are google.rpc.Status bodies
// `{"error":{code,message,status,details}}`. Bearer tokens are checked against the OAuth
// fake that issued them, so expiry, revocation and refresh behave as with Google.
import { z } from "zod";
import { type Chunk, streamChunks, wholeAnswer } from "./google.ts";
import {
  checkBody,
  type ErrorReply,
  type ErrorStatus,
  type Exchange,
  type FakeLlm,
  type FakeLlmOptions,
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

export interface FakeCodeAssistOptions extends FakeLlmOptions {
  /** Whether a bearer token is current; usually the OAuth fake's `acceptsAccess`. Default: any token. */
  acceptsToken?: (token: string) => boolean;
  /** The only project the account may use; any other (or none) is refused with 403. */
  projectId?: string;
}

/** Starts the fake. `baseUrl` is the origin, as `https://cloudcode-pa.googleapis.com` is for Gemini CLI. */
export function startFakeCodeAssist(opts: FakeCodeAssistOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(
    {
      basePath: "",
      apiKeyOf: (req) => /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1],
      textRoots: (body) => {
        const r = ((body ?? {}) as { request?: Record<string, unknown> }).request ?? {};
        return [r["systemInstruction"], r["contents"]];
      },
      handle: (ex) => route(ex, opts),
    },
    opts,
  );
}

const METHOD = /^\/v1internal:(generateContent|streamGenerateContent)$/;

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

const CodeAssistRequest = z.looseObject({
  model: z.string().min(1),
  project: z.string().optional(),
  request: z.looseObject({
    contents: z.array(z.looseObject({ parts: z.array(z.unknown()), role: z.string().optional() })),
  }),
});

function sendError(ex: Exchange, code: number, message: string, details?: unknown[]): void {
  const status = STATUS_NAMES[code as ErrorStatus] ?? "UNKNOWN";
  sendJson(
    ex.res,
    code,
    { error: { code, message, status, ...(details ? { details } : {}) } },
    { "content-type": "application/json; charset=UTF-8" },
  );
}

async function route(ex: Exchange, opts: FakeCodeAssistOptions): Promise<void> {
  const method = METHOD.exec(ex.recorded.path)?.[1];
  if (ex.recorded.method !== "POST" || !method)
    return sendError(ex, 404, `The requested URL ${ex.recorded.path} was not found on this server.`);
  const token = ex.recorded.apiKey;
  if (!token || !(opts.acceptsToken?.(token) ?? true)) {
    return sendError(
      ex,
      401,
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    );
  }
  const checked = checkBody(CodeAssistRequest, ex.recorded.body);
  if (!checked.ok) {
    const { path } = checked.problem;
    return sendError(ex, 400, path === "" ? "Invalid JSON payload received." : `Invalid value at '${path}'`);
  }
  const { model, project } = checked.value;
  if (opts.projectId !== undefined && project !== opts.projectId) {
    return sendError(
      ex,
      403,
      `Permission 'cloudaicompanion.companions.generateChat' denied on resource '//cloudaicompanion.googleapis.com/projects/${project ?? ""}/locations/global' (or it may not exist).`,
    );
  }
  const turn = turnOf(ex.takeReply(), (reply) => sendScriptedError(ex, reply));
  if (!turn) return;
  const usage = turnUsage(ex.promptText, turn);
  const traceId = randomId("", 16, "0123456789abcdef");
  const render = (chunk: Chunk) => ({ response: responseJson(chunk, usage, model), traceId });
  const chunks = method === "streamGenerateContent" ? streamChunks(turn) : [wholeAnswer(turn)];
  if (method === "generateContent" || ex.url.searchParams.get("alt") !== "sse") {
    await paceWhole(turn, ex.signal);
    const rendered = chunks.map(render);
    return sendJson(ex.res, 200, method === "generateContent" ? rendered[0] : rendered);
  }
  openSse(ex.res);
  for (const chunk of chunks) {
    if (chunk.textIndex !== undefined) await pace(turn, chunk.textIndex, ex.signal);
    ex.res.write(sseFrame(render(chunk), { eol: "\r\n" }));
  }
  ex.res.end();
}

function scriptedMessage(status: ErrorStatus): string {
  switch (status) {
    case 400:
      return "Request contains an invalid argument.";
    case 401:
      return "Request had invalid authentication credentials.";
    case 403:
      return "The caller does not have permission";
    case 404:
      return "Requested entity was not found.";
    case 429:
      return "You have exhausted your capacity on this model. Your quota will reset after 30s.";
    case 500:
      return "Internal error encountered.";
    case 503:
    case 529:
      return "The model is overloaded. Please try again later.";
  }
}

/** A 429 says when to retry in a google.rpc.RetryInfo detail, as Code Assist's quota errors do. */
function sendScriptedError(ex: Exchange, reply: ErrorReply): void {
  const details =
    reply.status === 429
      ? [
          {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            reason: "RATE_LIMIT_EXCEEDED",
            domain: "cloudcode-pa.googleapis.com",
          },
          {
            "@type": "type.googleapis.com/google.rpc.RetryInfo",
            retryDelay: `${reply.retryAfterSeconds ?? 30}s`,
          },
        ]
      : undefined;
  sendError(ex, reply.status, reply.message ?? scriptedMessage(reply.status), details);
}

function responseJson(chunk: Chunk, usage: TurnUsage, model: string) {
  const candidatesTokenCount = chunk.finished ? usage.outputTokens : Math.ceil(chunk.outputChars / 4);
  return {
    candidates: [
      {
        content: { role: "model", parts: chunk.parts },
        ...(chunk.finished ? { finishReason: "STOP" } : {}),
      },
    ],
    usageMetadata: {
      promptTokenCount: usage.inputTokens,
      candidatesTokenCount,
      totalTokenCount: usage.inputTokens + candidatesTokenCount,
    },
    modelVersion: model,
  };
}
