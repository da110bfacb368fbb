// Fake Amazon Bedrock Runtime in the wire format of its ConverseStream operation
// (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html):
// `POST /model/{modelId}/converse-stream`, answered with `application/vnd.amazon.eventstream`
// frames (messageStart, contentBlockStart/Delta/Stop, messageStop, metadata), exceptions as
// `:message-type exception` frames mid-stream or as restJson errors with `x-amzn-errortype`.
// Requests must carry SigV4 (verified for real when the test gives the secret) or a bearer token.
// The AWS SDK talks HTTP/2 (prior knowledge over cleartext to an http:// endpoint) unless told
// otherwise, so the fake listens for both HTTP/2 and HTTP/1.1.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { type AwsAuth, type AwsAuthExpectations, authenticateAws, encodeEventMessage } from "./aws-wire.ts";
import { type DualRequest, type DualResponse, listenHttp1And2, plainHeaders } from "./h2c-server.ts";
import {
  collectText,
  type ErrorStatus,
  type ModelTurn,
  pace,
  type RecordedRequest,
  randomId,
  type ScriptedReply,
  turnOf,
  turnUsage,
} from "./http-server.ts";

/** Exceptions the ConverseStream output union carries mid-stream (member names as on the wire). */
export type StreamExceptionName =
  | "internalServerException"
  | "modelStreamErrorException"
  | "validationException"
  | "throttlingException"
  | "serviceUnavailableException";

export type BedrockReply =
  | ScriptedReply
  /** A 200 whose stream ends with an exception frame, after `afterText` (if any) was streamed. */
  | { kind: "streamException"; exception: StreamExceptionName; message?: string; afterText?: string };

export interface BedrockRequest extends RecordedRequest {
  /** The model id from the path, decoded. */
  modelId: string;
  httpVersion: string;
  /** How the request authenticated: SigV4 (with the signer's scope) or a Bedrock API key. */
  auth: AwsAuth;
}

export interface FakeBedrock {
  /** What goes in `models.providers.<id>.baseUrl` (the SDK's endpoint). */
  baseUrl: string;
  requests: BedrockRequest[];
  enqueue(...replies: BedrockReply[]): void;
  setDefault(reply: BedrockReply | ((req: BedrockRequest) => BedrockReply)): void;
  /** Resolves with the oldest request no earlier call returned, waiting for it if need be. */
  nextRequest(): Promise<BedrockRequest>;
  /** System prompt and message text of the last request, joined by "\n". */
  lastRequestText(): string;
  close(): Promise<void>;
}

export interface FakeBedrockOptions extends Omit<AwsAuthExpectations, "service"> {
  /** Model ids served; any id when unset. */
  models?: string[];
  reply?: string | BedrockReply;
}

const ContentBlock = z.record(z.string(), z.unknown());
const ConverseBody = z
  .object({
    messages: z.array(z.object({ role: z.enum(["user", "assistant"]), content: z.array(ContentBlock) })),
    system: z.array(ContentBlock).optional(),
    inferenceConfig: z
      .object({ maxTokens: z.number().int().min(1).optional(), temperature: z.number().optional() })
      .passthrough()
      .optional(),
    toolConfig: z
      .object({
        tools: z
          .array(
            z.union([
              z.object({
                toolSpec: z.object({
                  name: z.string(),
                  description: z.string().optional(),
                  inputSchema: z.object({ json: z.unknown() }),
                }),
              }),
              z.object({ cachePoint: z.unknown() }),
            ]),
          )
          .min(1),
        toolChoice: z.unknown().optional(),
      })
      .optional(),
  })
  .passthrough();
type ConverseBody = z.output<typeof ConverseBody>;

/** restJson error names per status, as Bedrock words them (it never answers 401: bad keys are 403). */
const ERRORS: Record<ErrorStatus, { status: number; type: string; message: string }> = {
  400: {
    status: 400,
    type: "ValidationException",
    message: "Malformed input request, please reformat your input and try again.",
  },
  401: {
    status: 403,
    type: "UnrecognizedClientException",
    message: "The security token included in the request is invalid.",
  },
  403: {
    status: 403,
    type: "AccessDeniedException",
    message: "You don't have access to the model with the specified model ID.",
  },
  404: {
    status: 404,
    type: "ResourceNotFoundException",
    message: "Could not resolve the foundation model from the provided model identifier.",
  },
  429: {
    status: 429,
    type: "ThrottlingException",
    message: "Too many requests, please wait before trying again.",
  },
  500: {
    status: 500,
    type: "InternalServerException",
    message: "The server encountered an internal error while processing the request.",
  },
  503: {
    status: 503,
    type: "ServiceUnavailableException",
    message: "Bedrock is unable to process your request.",
  },
  529: {
    status: 503,
    type: "ServiceUnavailableException",
    message: "Bedrock is unable to process your request.",
  },
};

/** Starts the fake on 127.0.0.1 with an OS-chosen port. */
export async function startFakeBedrock(opts: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const requests: BedrockRequest[] = [];
  const queue: BedrockReply[] = [];
  const initial = opts.reply ?? "ok";
  let fallback: BedrockReply | ((req: BedrockRequest) => BedrockReply) =
    typeof initial === "string" ? { kind: "text", text: initial } : initial;
  let taken = 0;
  const waiters: { resolve(r: BedrockRequest): void; reject(e: Error): void }[] = [];
  const closing = new AbortController();
  const failures: unknown[] = [];

  const serve = async (req: DualRequest, res: DualResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://fake");
    const headers = plainHeaders(req);
    const requestId = randomUUID();
    const fail = (status: number, type: string, message: string): void =>
      sendError(res, requestId, status, type, message);
    const route = /^\/model\/([^/]+)\/converse-stream$/.exec(url.pathname);
    if (req.method !== "POST" || !route)
      return fail(404, "UnknownOperationException", "UnknownOperationException");
    const auth = authenticateAws(
      { method: req.method, url, headers, body: raw },
      { service: "bedrock", ...opts },
    );
    if ("error" in auth) return fail(403, auth.error.type, auth.error.message);
    const modelId = decodeURIComponent(route[1]!);
    let body: unknown;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString("utf8")) : undefined;
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      return fail(400, "SerializationException", "Could not parse the request body as JSON.");
    }
    const recorded: BedrockRequest = {
      path: url.pathname,
      url: req.url ?? "/",
      method: req.method,
      headers: req.headers,
      body,
      apiKey: auth.auth.scheme === "sigv4" ? auth.auth.sigv4.accessKeyId : auth.auth.token,
      modelId,
      httpVersion: req.httpVersion,
      auth: auth.auth,
    };
    requests.push(recorded);
    const waiter = waiters.shift();
    if (waiter) {
      taken++;
      waiter.resolve(recorded);
    }
    if (opts.models && !opts.models.includes(modelId))
      return fail(400, "ValidationException", "The provided model identifier is invalid.");
    const parsed = ConverseBody.safeParse(body);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join(".") || "body";
      return fail(
        400,
        "ValidationException",
        `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must satisfy its schema`,
      );
    }
    const problem = conversationProblem(parsed.data);
    if (problem) return fail(400, "ValidationException", problem);
    const reply = queue.shift() ?? (typeof fallback === "function" ? fallback(recorded) : fallback);
    const promptText = collectText([parsed.data.system, parsed.data.messages]).join("\n");
    const signal = AbortSignal.any([closing.signal, closedSignal(res)]);
    await answer(res, requestId, reply, promptText, signal);
  };

  const handler = (req: DualRequest, res: DualResponse): void => {
    serve(req, res).catch((err: unknown) => {
      if (closing.signal.aborted || (err instanceof Error && err.name === "AbortError")) return;
      failures.push(err);
      if (!res.headersSent)
        sendError(res, "crash", 500, "InternalServerException", `fake Bedrock crashed: ${String(err)}`);
      else res.destroy();
    });
  };
  const server = await listenHttp1And2(handler);
  let closed: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${server.port}`,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    setDefault: (reply) => {
      fallback = reply;
    },
    nextRequest: () =>
      new Promise<BedrockRequest>((resolve, reject) => {
        const ready = requests[taken];
        if (ready) {
          taken++;
          resolve(ready);
        } else if (closing.signal.aborted) reject(new Error("fake Bedrock is closed"));
        else waiters.push({ resolve, reject });
      }),
    lastRequestText: () => {
      const b = requests.at(-1)?.body as ConverseBody | undefined;
      return b ? collectText([b.system, b.messages]).join("\n") : "";
    },
    close: () => {
      closed ??= (async () => {
        closing.abort();
        for (const w of waiters.splice(0)) w.reject(new Error("fake Bedrock closed before the next request"));
        await server.close();
        if (failures.length > 0)
          throw new Error("a request crashed the fake Bedrock", { cause: failures[0] });
      })();
      return closed;
    },
  };
}

/** Bedrock's conversation rules, which pi-ai's message conversion has to satisfy. */
function conversationProblem(body: ConverseBody): string | undefined {
  const { messages } = body;
  if (messages.length === 0)
    return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
  if (messages[0]!.role !== "user")
    return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
  for (let i = 1; i < messages.length; i++) {
    if (messages[i]!.role === messages[i - 1]!.role)
      return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.";
  }
  const usesTools = messages.some((m) => m.content.some((c) => "toolUse" in c || "toolResult" in c));
  if (usesTools && !body.toolConfig)
    return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
  for (let i = 1; i < messages.length; i++) {
    const asked = messages[i - 1]!.content.flatMap((c) => idOf(c["toolUse"]));
    if (asked.length === 0 || messages[i]!.role !== "user") continue;
    const answered = new Set(messages[i]!.content.flatMap((c) => idOf(c["toolResult"])));
    const missing = asked.filter((id) => !answered.has(id));
    if (missing.length > 0)
      return `Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(", ")}`;
  }
  return undefined;
}

function idOf(block: unknown): string[] {
  const b = block as { toolUseId?: unknown } | undefined;
  return typeof b?.toolUseId === "string" ? [b.toolUseId] : [];
}

function sendError(
  res: DualResponse,
  requestId: string,
  status: number,
  type: string,
  message: string,
): void {
  const text = JSON.stringify({ message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    "x-amzn-requestid": requestId,
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
  res.end(text);
}

function closedSignal(res: DualResponse): AbortSignal {
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  return gone.signal;
}

/** Bedrock pads event payloads with a random `p` field so their size leaks nothing; clients ignore it. */
function event(type: string, payload: Record<string, unknown>): Buffer {
  const body = Buffer.from(JSON.stringify({ ...payload, p: randomId("", 12) }));
  return encodeEventMessage(
    { ":event-type": type, ":content-type": "application/json", ":message-type": "event" },
    body,
  );
}

function exceptionFrame(name: StreamExceptionName, message: string): Buffer {
  return encodeEventMessage(
    { ":exception-type": name, ":content-type": "application/json", ":message-type": "exception" },
    Buffer.from(JSON.stringify({ message })),
  );
}

async function answer(
  res: DualResponse,
  requestId: string,
  reply: BedrockReply,
  promptText: string,
  signal: AbortSignal,
): Promise<void> {
  let turn: ModelTurn | undefined;
  let exception: Extract<BedrockReply, { kind: "streamException" }> | undefined;
  if (reply.kind === "streamException") {
    exception = reply;
    turn = turnOf({ kind: "text", text: reply.afterText ?? "" }, () => undefined);
  } else {
    turn = turnOf(reply, (err) => {
      const e = ERRORS[err.status];
      sendError(res, requestId, e.status, e.type, err.message ?? e.message);
    });
  }
  if (!turn) return;
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": requestId });
  const send = (frame: Buffer): void => {
    res.write(frame);
  };
  send(event("messageStart", { role: "assistant" }));
  // Text needs no contentBlockStart: its deltas open block 0 (tool use blocks do get a start).
  let index = 0;
  if (turn.textPieces.length > 0) {
    for (const [i, piece] of turn.textPieces.entries()) {
      await pace(turn, i, signal);
      send(event("contentBlockDelta", { contentBlockIndex: index, delta: { text: piece } }));
    }
    if (!exception) send(event("contentBlockStop", { contentBlockIndex: index }));
    index++;
  }
  if (exception) {
    send(
      exceptionFrame(
        exception.exception,
        exception.message ??
          "The system encountered an unexpected error during processing. Try your request again.",
      ),
    );
    res.end();
    return;
  }
  for (const call of turn.toolCalls) {
    const toolUseId = call.id ?? randomId("tooluse_", 22);
    send(
      event("contentBlockStart", {
        contentBlockIndex: index,
        start: { toolUse: { toolUseId, name: call.name } },
      }),
    );
    for (const piece of call.argumentPieces)
      send(event("contentBlockDelta", { contentBlockIndex: index, delta: { toolUse: { input: piece } } }));
    send(event("contentBlockStop", { contentBlockIndex: index }));
    index++;
  }
  send(event("messageStop", { stopReason: turn.toolCalls.length > 0 ? "tool_use" : "end_turn" }));
  const usage = turnUsage(promptText, turn);
  send(
    event("metadata", {
      usage: {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        totalTokens: usage.inputTokens + usage.outputTokens,
      },
      metrics: { latencyMs: 1 },
    }),
  );
  res.end();
}
