// Fake Mistral API (api.mistral.ai) in the wire format of docs.mistral.ai/api: Chat Completions
// with `chat.completion.chunk` SSE frames (usage rides on the chunk that carries finish_reason,
// then `data: [DONE]`), tool calls that arrive whole in one delta with Mistral's nine-character
// ids, and Mistral's three error shapes: the gateway's `{"message","request_id"}` for a bad key,
// FastAPI's 422 `{"object":"error","message":{"detail":[…]}}` for a body its schema rejects
// (unknown fields included: the API forbids extras), and `{"object":"error",message,type,param,code}`
// for everything the model service refuses (invalid model, rate limit, bad tool-call ids).
import { z } from "zod";
import {
  assertNever,
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
  unixSeconds,
} from "./http-server.ts";

export interface FakeMistralOptions extends FakeLlmOptions {
  /** Model ids that `GET /v1/models` lists. */
  models?: string[];
}

/**
 * Starts a fake Mistral API. `baseUrl` is the bare origin `http://127.0.0.1:<port>`, as pi-ai's
 * catalog has `https://api.mistral.ai`: its `mistral-conversations` client appends
 * `v1/chat/completions` itself. The key is read from `Authorization: Bearer <key>`.
 */
export function startFakeMistral(opts: FakeMistralOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(
    {
      basePath: "",
      apiKeyOf: (req) => /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1],
      textRoots: (body) => [((body ?? {}) as Record<string, unknown>)["messages"]],
      handle: (ex) => route(ex, opts),
    },
    opts,
  );
}

async function route(ex: Exchange, opts: FakeMistralOptions): Promise<void> {
  const { method, path } = ex.recorded;
  if (method === "GET" && path === "/v1/models") {
    if (rejectKey(ex, opts)) return;
    return sendJson(ex.res, 200, { object: "list", data: (opts.models ?? DEFAULT_MODELS).map(modelCard) });
  }
  if (method === "POST" && path === "/v1/chat/completions") return chatCompletions(ex, opts);
  sendJson(ex.res, 404, { detail: "Not Found" });
}

const DEFAULT_MODELS = ["mistral-large-latest", "mistral-small-latest", "codestral-latest"];

function modelCard(id: string) {
  return {
    id,
    object: "model",
    created: unixSeconds(),
    owned_by: "mistralai",
    capabilities: { completion_chat: true, function_calling: true, completion_fim: false, vision: false },
    name: id,
    max_context_length: 131072,
    type: "base",
  };
}

// --- failures -----------------------------------------------------------------------

/** Mistral's API gateway answers auth failures itself, before the model service sees the request. */
function sendGatewayError(ex: Exchange, status: number, message: string): void {
  sendJson(
    ex.res,
    status,
    { message, request_id: randomId("", 32, "0123456789abcdef") },
    { "content-type": "application/json; charset=utf-8" },
  );
}

/** Answers a missing or (when `opts.apiKey` is set) wrong key; true if it did. */
function rejectKey(ex: Exchange, opts: FakeMistralOptions): boolean {
  const key = ex.recorded.apiKey;
  if (!key) {
    sendGatewayError(ex, 401, "No API key found in request");
    return true;
  }
  if (opts.apiKey !== undefined && key !== opts.apiKey) {
    sendGatewayError(ex, 401, "Unauthorized");
    return true;
  }
  return false;
}

interface MistralError {
  message: string;
  type: string;
  code: string | null;
}

function sendServiceError(
  ex: Exchange,
  status: number,
  error: MistralError,
  headers: Record<string, string> = {},
): void {
  sendJson(ex.res, status, { object: "error", ...error, param: null }, headers);
}

// 400 (invalid model), 401 and 429 are bodies seen from the live API. The other statuses keep the
// same service envelope, but their wording and codes are ours: clients key on the status and `type`.
function scriptedError(status: ErrorStatus, model: string): MistralError | undefined {
  switch (status) {
    case 400:
      return { message: `Invalid model: ${model}`, type: "invalid_model", code: "1500" };
    case 401:
    case 403:
      return undefined; // the gateway's shape, see sendScriptedError
    case 404:
      return { message: `Model not found: ${model}`, type: "model_not_found", code: "1501" };
    case 429:
      return { message: "Rate limit exceeded", type: "rate_limited", code: "1300" };
    case 500:
      return { message: "Internal server error", type: "internal_server_error", code: "1000" };
    case 503:
    case 529:
      return {
        message: "Service tier capacity exceeded for this model.",
        type: "service_tier_capacity_exceeded",
        code: "3505",
      };
    default:
      return assertNever(status);
  }
}

function sendScriptedError(ex: Exchange, reply: ErrorReply, model: string): void {
  const headers: Record<string, string> = {};
  if (reply.retryAfterSeconds !== undefined) headers["retry-after"] = String(reply.retryAfterSeconds);
  const error = scriptedError(reply.status, model);
  if (!error) {
    sendGatewayError(
      ex,
      reply.status,
      reply.message ?? (reply.status === 401 ? "Unauthorized" : "Forbidden"),
    );
    return;
  }
  sendServiceError(ex, reply.status, { ...error, message: reply.message ?? error.message }, headers);
}

// --- request validation -------------------------------------------------------------

/** Top-level fields of ChatCompletionRequest; Mistral answers 422 `extra_forbidden` for any other. */
const CHAT_FIELDS = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stop",
  "random_seed",
  "metadata",
  "response_format",
  "tools",
  "tool_choice",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "prediction",
  "parallel_tool_calls",
  "prompt_mode",
  "reasoning_effort",
  "prompt_cache_key",
  "safe_prompt",
  "guardrails",
]);

const ToolCall = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({
    name: z.string(),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
  }),
});
const Message = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content: z.union([z.string(), z.array(z.unknown())]) }),
  z.looseObject({ role: z.literal("user"), content: z.union([z.string(), z.array(z.unknown())]).nullable() }),
  z.looseObject({
    role: z.literal("assistant"),
    content: z.union([z.string(), z.array(z.unknown())]).nullish(),
    tool_calls: z.array(ToolCall).nullish(),
    prefix: z.boolean().optional(),
  }),
  z.looseObject({
    role: z.literal("tool"),
    content: z.union([z.string(), z.array(z.unknown())]).nullable(),
    tool_call_id: z.string().nullish(),
    name: z.string().nullish(),
  }),
]);
const ChatRequest = z.looseObject({
  model: z.string(),
  messages: z.array(Message),
  stream: z.boolean().optional(),
});
type ChatRequest = z.infer<typeof ChatRequest>;

interface Detail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

/** The parsed body, or undefined after answering 422 the way Mistral's FastAPI layer does. */
function parseBodyOr422(ex: Exchange): ChatRequest | undefined {
  const body = ex.recorded.body as unknown;
  const details: Detail[] = [];
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    details.push(
      typeof body === "string"
        ? { type: "json_invalid", loc: ["body", 0], msg: "JSON decode error", input: {} }
        : {
            type: "model_attributes_type",
            loc: ["body"],
            msg: "Input should be a valid dictionary",
            input: body,
          },
    );
  } else {
    const record = body as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!CHAT_FIELDS.has(key))
        details.push({
          type: "extra_forbidden",
          loc: ["body", key],
          msg: "Extra inputs are not permitted",
          input: record[key],
        });
    }
    const parsed = ChatRequest.safeParse(body);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const loc = ["body", ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
        const missing = issue.code === "invalid_type" && valueAt(record, issue.path) === undefined;
        details.push(
          missing
            ? { type: "missing", loc, msg: "Field required", input: record }
            : { type: issue.code, loc, msg: issue.message, input: valueAt(record, issue.path) },
        );
      }
    }
    if (details.length === 0 && parsed.success) return parsed.data;
  }
  sendJson(ex.res, 422, {
    object: "error",
    message: { detail: details },
    type: "invalid_request_error",
    param: null,
    code: null,
  });
  return undefined;
}

function valueAt(node: unknown, path: PropertyKey[]): unknown {
  let current = node;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

const TOOL_CALL_ID = /^[a-zA-Z0-9]{9}$/;

/**
 * The conversation rules Mistral's validator enforces before a model sees the request (400s):
 * tool-call ids are nine letters and digits on both sides of a round trip, and the last message is
 * the user's or a tool result (an assistant one only with `prefix: true`).
 */
function conversationProblem(messages: ChatRequest["messages"]): MistralError | undefined {
  for (const m of messages) {
    const ids =
      m.role === "assistant"
        ? (m.tool_calls ?? []).map((c) => c.id ?? "null")
        : m.role === "tool"
          ? [m.tool_call_id ?? ""]
          : [];
    const bad = ids.find((id) => id !== "null" && !TOOL_CALL_ID.test(id));
    if (bad !== undefined)
      return {
        message: `Tool call id was ${bad} but must be a-z, A-Z, 0-9, with a length of 9.`,
        type: "invalid_function_call",
        code: "3280",
      };
  }
  const last = messages.at(-1);
  if (!last || last.role === "system" || (last.role === "assistant" && last.prefix !== true))
    return {
      message: `Expected last role User or Tool (or Assistant with prefix True) for serving but got ${last?.role ?? "none"}`,
      type: "invalid_request_message_order",
      code: "3230",
    };
  return undefined;
}

// --- Chat Completions ---------------------------------------------------------------

async function chatCompletions(ex: Exchange, opts: FakeMistralOptions): Promise<void> {
  if (rejectKey(ex, opts)) return;
  const body = parseBodyOr422(ex);
  if (!body) return;
  const problem = conversationProblem(body.messages);
  if (problem) return sendServiceError(ex, 400, problem);
  const turn = turnOf(ex.takeReply(), (reply) => sendScriptedError(ex, reply, body.model));
  if (!turn) return;
  const usage = turnUsage(ex.promptText, turn);
  const head = { id: randomId("", 32, "0123456789abcdef"), created: unixSeconds(), model: body.model };
  const calls = turn.toolCalls.map((c, index) => ({
    id: c.id ?? randomId("", 9),
    function: { name: c.name, arguments: c.argumentsJson },
    index,
  }));
  const finishReason = calls.length > 0 ? "tool_calls" : "stop";
  if (body.stream) return streamChat(ex, turn, usage, head, calls, finishReason);
  await paceWhole(turn, ex.signal);
  sendJson(ex.res, 200, {
    ...head,
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: turn.text,
          tool_calls: calls.length > 0 ? calls.map((c) => ({ ...c, type: "function" })) : null,
          prefix: false,
        },
        finish_reason: finishReason,
      },
    ],
    usage: chatUsage(usage),
  });
}

function chatUsage(usage: TurnUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    completion_tokens: usage.outputTokens,
  };
}

/**
 * chat.completion.chunk stream: a role delta with empty content, one chunk per text piece, then a
 * last chunk holding any tool calls (whole: Mistral does not split arguments), the finish_reason and
 * the usage, then `data: [DONE]`.
 */
async function streamChat(
  ex: Exchange,
  turn: ModelTurn,
  usage: TurnUsage,
  head: Record<string, unknown>,
  calls: { id: string; function: { name: string; arguments: string }; index: number }[],
  finishReason: string,
): Promise<void> {
  const { res } = ex;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra = {}) =>
    sseFrame({
      ...head,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });
  openSse(res);
  res.write(chunk({ role: "assistant", content: "" }));
  for (const [i, piece] of turn.textPieces.entries()) {
    await pace(turn, i, ex.signal);
    res.write(chunk({ content: piece }));
  }
  const last = calls.length > 0 ? { tool_calls: calls } : { content: "" };
  res.write(chunk(last, finishReason, { usage: chatUsage(usage) }));
  res.end(sseFrame("[DONE]"));
}
