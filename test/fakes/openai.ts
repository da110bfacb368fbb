// Fake OpenAI API: Chat Completions, Responses and the model list, in the wire format of
// platform.openai.com/docs/api-reference (streaming chunks, semantic Responses events,
// and the `{"error":{message,type,param,code}}` body the `openai` SDK turns into APIError).
import { z } from "zod";
import {
  assertNever,
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
  unixSeconds,
} from "./http-server.ts";

export interface FakeOpenAIOptions extends FakeLlmOptions {
  /** Model ids that `GET /v1/models` lists. */
  models?: string[];
}

/** Holds model calls open, for tests of what happens while a run is busy. */
export interface HoldControl {
  /**
   * From now on, each model call (recorded as it arrives) waits before it is answered, until the
   * returned function is called; then every held call is answered and new ones are not held.
   * A held call whose client hangs up is dropped.
   */
  hold(): () => void;
}

/**
 * Starts a fake OpenAI API. `baseUrl` is `http://127.0.0.1:<port>/v1`, as in the SDK's
 * default `https://api.openai.com/v1`: the SDK appends `/chat/completions` or `/responses`.
 * The key is read from `Authorization: Bearer <key>`.
 */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeLlm & HoldControl> {
  let gate: Promise<void> | undefined;
  const fake = await startFakeLlm(
    {
      basePath: "/v1",
      apiKeyOf: (req) => /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1],
      textRoots: (body) => {
        const b = (body ?? {}) as Record<string, unknown>;
        return "messages" in b ? [b["messages"]] : [b["instructions"], b["input"]];
      },
      handle: async (ex) => {
        if (gate && ex.recorded.method === "POST") {
          const gone = new Promise<void>((resolve) => ex.signal.addEventListener("abort", () => resolve()));
          await Promise.race([gate, gone]);
          if (ex.signal.aborted) return;
        }
        return route(ex, opts);
      },
    },
    opts,
  );
  return Object.assign(fake, {
    hold: () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      gate = held;
      return () => {
        if (gate === held) gate = undefined;
        release();
      };
    },
  });
}

interface OpenAIError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

async function route(ex: Exchange, opts: FakeOpenAIOptions): Promise<void> {
  const { method, path } = ex.recorded;
  if (method === "GET" && path === "/v1/models") {
    if (rejectKey(ex, opts)) return;
    const created = unixSeconds();
    const data = (opts.models ?? ["gpt-4o-mini", "gpt-4.1", "gpt-5"]).map((id) => ({
      id,
      object: "model",
      created,
      owned_by: "system",
    }));
    return sendJson(ex.res, 200, { object: "list", data }, requestIdHeader());
  }
  if (method === "POST" && path === "/v1/chat/completions") return chatCompletions(ex, opts);
  if (method === "POST" && path === "/v1/responses") return responses(ex, opts);
  sendError(ex, 404, {
    message: `Invalid URL (${method} ${path})`,
    type: "invalid_request_error",
    param: null,
    code: null,
  });
}

// --- failures -----------------------------------------------------------------------

function requestIdHeader(): Record<string, string> {
  return { "x-request-id": randomId("req_", 32, "0123456789abcdef") };
}

function sendError(ex: Exchange, status: number, error: OpenAIError, headers: Record<string, string> = {}) {
  sendJson(ex.res, status, { error }, { ...requestIdHeader(), ...headers });
}

/** OpenAI shows a key's first and last characters only. */
function maskKey(key: string): string {
  return key.length <= 8 ? key : `${key.slice(0, 3)}${"*".repeat(key.length - 7)}${key.slice(-4)}`;
}

function invalidKey(key: string): OpenAIError {
  return {
    message: `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: "invalid_request_error",
    param: null,
    code: "invalid_api_key",
  };
}

/** Answers 401 for a missing or (when `opts.apiKey` is set) wrong key; true if it did. */
function rejectKey(ex: Exchange, opts: FakeOpenAIOptions): boolean {
  const key = ex.recorded.apiKey;
  if (!key) {
    sendError(ex, 401, {
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
      type: "invalid_request_error",
      param: null,
      code: null,
    });
    return true;
  }
  if (opts.apiKey !== undefined && key !== opts.apiKey) {
    sendError(ex, 401, invalidKey(key));
    return true;
  }
  return false;
}

/** The parsed body, or undefined after answering 400 the way OpenAI words a bad body. */
function parseBodyOr400<T>(ex: Exchange, schema: z.ZodType<T>): T | undefined {
  const checked = checkBody(schema, ex.recorded.body);
  if (checked.ok) return checked.value;
  const { path, missing } = checked.problem;
  const error: OpenAIError =
    path === ""
      ? {
          message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          type: "invalid_request_error",
          param: null,
          code: null,
        }
      : missing
        ? {
            message: `Missing required parameter: '${path}'.`,
            type: "invalid_request_error",
            param: path,
            code: "missing_required_parameter",
          }
        : {
            message: `Invalid type for '${path}'.`,
            type: "invalid_request_error",
            param: path,
            code: "invalid_type",
          };
  sendError(ex, 400, error);
  return undefined;
}

function scriptedError(status: ErrorStatus, key: string, model: string): OpenAIError {
  switch (status) {
    case 400:
      return { message: "Invalid request.", type: "invalid_request_error", param: null, code: null };
    case 401:
      return invalidKey(key);
    case 403:
      return {
        message: "Country, region, or territory not supported",
        type: "request_forbidden",
        param: null,
        code: "unsupported_country_region_territory",
      };
    case 404:
      return {
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: "invalid_request_error",
        param: null,
        code: "model_not_found",
      };
    case 429:
      return {
        message: `Rate limit reached for ${model} in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      };
    case 500:
      return {
        message: "The server had an error while processing your request. Sorry about that!",
        type: "server_error",
        param: null,
        code: null,
      };
    case 503:
    case 529:
      return {
        message: "The engine is currently overloaded, please try again later.",
        type: "server_error",
        param: null,
        code: null,
      };
    default:
      return assertNever(status);
  }
}

function sendScriptedError(ex: Exchange, reply: ErrorReply, model: string): void {
  const error = scriptedError(reply.status, ex.recorded.apiKey ?? "", model);
  const headers: Record<string, string> = {};
  if (reply.retryAfterSeconds !== undefined) headers["retry-after"] = String(reply.retryAfterSeconds);
  if (reply.status === 429) {
    headers["x-ratelimit-limit-requests"] = "3";
    headers["x-ratelimit-remaining-requests"] = "0";
    headers["x-ratelimit-reset-requests"] = `${reply.retryAfterSeconds ?? 20}s`;
  }
  sendError(ex, reply.status, { ...error, message: reply.message ?? error.message }, headers);
}

// --- Chat Completions ---------------------------------------------------------------

const ChatRequest = z.looseObject({
  model: z.string(),
  messages: z.array(z.unknown()),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});

async function chatCompletions(ex: Exchange, opts: FakeOpenAIOptions): Promise<void> {
  if (rejectKey(ex, opts)) return;
  const body = parseBodyOr400(ex, ChatRequest);
  if (!body) return;
  const turn = turnOf(ex.takeReply(), (reply) => sendScriptedError(ex, reply, body.model));
  if (!turn) return;
  const usage = turnUsage(ex.promptText, turn);
  const head = {
    id: randomId("chatcmpl-", 29),
    created: unixSeconds(),
    model: body.model,
    service_tier: "default",
    system_fingerprint: randomId("fp_", 10, "0123456789abcdef"),
  };
  if (body.stream) return streamChat(ex, turn, usage, head, body.stream_options?.include_usage === true);
  await paceWhole(turn, ex.signal);
  const hasCalls = turn.toolCalls.length > 0;
  sendJson(
    ex.res,
    200,
    {
      ...head,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: turn.text === "" && hasCalls ? null : turn.text,
            refusal: null,
            annotations: [],
            ...(hasCalls
              ? { tool_calls: turn.toolCalls.map((c) => chatToolCall(c.id, c.name, c.argumentsJson)) }
              : {}),
          },
          logprobs: null,
          finish_reason: hasCalls ? "tool_calls" : "stop",
        },
      ],
      usage: chatUsage(usage),
    },
    requestIdHeader(),
  );
}

function chatToolCall(id: string | undefined, name: string, args: string) {
  return { id: id ?? callId(), type: "function", function: { name, arguments: args } };
}

function callId(): string {
  return randomId("call_", 24);
}

function chatUsage(usage: TurnUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * chat.completion.chunk stream: a role delta, content deltas, tool_calls deltas (id and
 * name first, then argument fragments), a finish_reason chunk, the usage chunk (empty
 * choices) when `stream_options.include_usage`, then `data: [DONE]`. With include_usage
 * every other chunk carries `"usage": null`, as documented.
 */
async function streamChat(
  ex: Exchange,
  turn: ModelTurn,
  usage: TurnUsage,
  head: Record<string, unknown>,
  includeUsage: boolean,
): Promise<void> {
  const { res } = ex;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    sseFrame({
      ...head,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
  openSse(res, requestIdHeader());
  const hasCalls = turn.toolCalls.length > 0;
  res.write(chunk({ role: "assistant", content: hasCalls && turn.text === "" ? null : "", refusal: null }));
  for (const [i, piece] of turn.textPieces.entries()) {
    await pace(turn, i, ex.signal);
    res.write(chunk({ content: piece }));
  }
  for (const [index, call] of turn.toolCalls.entries()) {
    const id = call.id ?? callId();
    res.write(
      chunk({ tool_calls: [{ index, id, type: "function", function: { name: call.name, arguments: "" } }] }),
    );
    for (const fragment of call.argumentPieces) {
      res.write(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  }
  res.write(chunk({}, hasCalls ? "tool_calls" : "stop"));
  if (includeUsage) {
    res.write(sseFrame({ ...head, object: "chat.completion.chunk", choices: [], usage: chatUsage(usage) }));
  }
  res.end(sseFrame("[DONE]"));
}

// --- Responses ----------------------------------------------------------------------

const ResponsesRequest = z.looseObject({
  model: z.string(),
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: z.unknown().optional(),
  temperature: z.number().nullish(),
  max_output_tokens: z.number().nullish(),
});
type ResponsesRequest = z.infer<typeof ResponsesRequest>;

async function responses(ex: Exchange, opts: FakeOpenAIOptions): Promise<void> {
  if (rejectKey(ex, opts)) return;
  const body = parseBodyOr400(ex, ResponsesRequest);
  if (!body) return;
  const turn = turnOf(ex.takeReply(), (reply) => sendScriptedError(ex, reply, body.model));
  if (!turn) return;
  const usage = turnUsage(ex.promptText, turn);
  const response = responseObject(body);
  const items = outputItems(turn);
  if (body.stream) return streamResponse(ex, turn, usage, response, items);
  await paceWhole(turn, ex.signal);
  sendJson(ex.res, 200, completed(response, items, usage), requestIdHeader());
}

function responseObject(body: ResponsesRequest) {
  return {
    id: randomId("resp_", 48, "0123456789abcdef"),
    object: "response",
    created_at: unixSeconds(),
    status: "in_progress",
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model,
    output: [] as unknown[],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: "auto",
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: 1,
    truncation: "disabled",
    usage: null as unknown,
    user: null,
    metadata: {},
  };
}

type ResponseObject = ReturnType<typeof responseObject>;

type OutputItem =
  | { type: "message"; id: string; text: string }
  | { type: "function_call"; id: string; callId: string; name: string; args: string; pieces: string[] };

/** A message item when there is text (or nothing else), then one function_call item per call. */
function outputItems(turn: ModelTurn): OutputItem[] {
  const items: OutputItem[] = [];
  if (turn.text !== "" || turn.toolCalls.length === 0) {
    items.push({ type: "message", id: randomId("msg_", 48, "0123456789abcdef"), text: turn.text });
  }
  for (const call of turn.toolCalls) {
    items.push({
      type: "function_call",
      id: randomId("fc_", 48, "0123456789abcdef"),
      callId: call.id ?? callId(),
      name: call.name,
      args: call.argumentsJson,
      pieces: call.argumentPieces,
    });
  }
  return items;
}

function outputText(text: string) {
  return { type: "output_text", annotations: [], logprobs: [], text };
}

function itemJson(item: OutputItem, done: boolean) {
  const status = done ? "completed" : "in_progress";
  if (item.type === "message") {
    const content = done ? [outputText(item.text)] : [];
    return { id: item.id, type: "message", status, content, role: "assistant" };
  }
  return {
    id: item.id,
    type: "function_call",
    status,
    arguments: done ? item.args : "",
    call_id: item.callId,
    name: item.name,
  };
}

function completed(response: ResponseObject, items: OutputItem[], usage: TurnUsage) {
  return {
    ...response,
    status: "completed",
    output: items.map((item) => itemJson(item, true)),
    usage: {
      input_tokens: usage.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  };
}

/**
 * Semantic events, each `event: <type>` plus `data: {...}` carrying the same `type` and a
 * rising `sequence_number`; no `[DONE]` sentinel: `response.completed` ends the stream.
 */
async function streamResponse(
  ex: Exchange,
  turn: ModelTurn,
  usage: TurnUsage,
  response: ResponseObject,
  items: OutputItem[],
): Promise<void> {
  const { res } = ex;
  let sequence = 0;
  const send = (type: string, fields: Record<string, unknown>) =>
    res.write(sseFrame({ type, sequence_number: sequence++, ...fields }, { event: type }));
  openSse(res, requestIdHeader());
  send("response.created", { response });
  send("response.in_progress", { response });
  for (const [outputIndex, item] of items.entries()) {
    send("response.output_item.added", { output_index: outputIndex, item: itemJson(item, false) });
    if (item.type === "message") {
      const at = { item_id: item.id, output_index: outputIndex, content_index: 0 };
      send("response.content_part.added", { ...at, part: outputText("") });
      for (const [i, piece] of turn.textPieces.entries()) {
        await pace(turn, i, ex.signal);
        send("response.output_text.delta", { ...at, delta: piece, logprobs: [] });
      }
      send("response.output_text.done", { ...at, text: item.text, logprobs: [] });
      send("response.content_part.done", { ...at, part: outputText(item.text) });
    } else {
      const at = { item_id: item.id, output_index: outputIndex };
      for (const fragment of item.pieces)
        send("response.function_call_arguments.delta", { ...at, delta: fragment });
      send("response.function_call_arguments.done", { ...at, name: item.name, arguments: item.args });
    }
    send("response.output_item.done", { output_index: outputIndex, item: itemJson(item, true) });
  }
  send("response.completed", { response: completed(response, items, usage) });
  res.end();
}
