// Fake Anthropic Messages API in the wire format of docs.claude.com/en/api (messages,
// streaming, errors): named SSE events from message_start to message_stop, and error
// bodies `{"type":"error","error":{type,message},"request_id"}` with a `request-id` header.
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

export interface FakeAnthropicOptions extends FakeLlmOptions {
  /** Model ids that `GET /v1/models` lists. */
  models?: string[];
}

/**
 * Starts a fake Anthropic API. `baseUrl` is `http://127.0.0.1:<port>`, as in the SDK's
 * default `https://api.anthropic.com`: the SDK appends `/v1/messages` (pi-ai calls the
 * beta resource, so the path arrives as `/v1/messages?beta=true`). The key is read from
 * `x-api-key`, or from `Authorization: Bearer` as OAuth tokens are sent.
 */
export function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeLlm> {
  return startFakeLlm(
    {
      basePath: "",
      apiKeyOf: (req) => {
        const key = req.headers["x-api-key"];
        if (typeof key === "string" && key !== "") return key;
        return /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
      },
      textRoots: (body) => {
        const b = (body ?? {}) as Record<string, unknown>;
        return [b["system"], b["messages"]];
      },
      handle: (ex) => route(ex, opts),
    },
    opts,
  );
}

type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

async function route(ex: Exchange, opts: FakeAnthropicOptions): Promise<void> {
  const { method, path } = ex.recorded;
  if (method === "POST" && path === "/v1/messages") return messages(ex, opts);
  if (method === "GET" && path === "/v1/models") {
    if (rejectRequest(ex, opts)) return;
    const data = (opts.models ?? ["claude-sonnet-4-5", "claude-haiku-4-5"]).map((id) => ({
      type: "model",
      id,
      display_name: id,
      created_at: "2025-01-01T00:00:00Z",
    }));
    return sendJson(
      ex.res,
      200,
      { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null },
      responseHeaders(),
    );
  }
  sendError(ex, 404, "not_found_error", "Not Found");
}

function responseHeaders(): Record<string, string> {
  return {
    "request-id": randomId("req_011C", 20),
    "anthropic-organization-id": "00000000-0000-4000-8000-000000000000",
  };
}

function sendError(
  ex: Exchange,
  status: number,
  type: AnthropicErrorType,
  message: string,
  extraHeaders: Record<string, string> = {},
): void {
  const headers = { ...responseHeaders(), ...extraHeaders };
  sendJson(
    ex.res,
    status,
    { type: "error", error: { type, message }, request_id: headers["request-id"] },
    headers,
  );
}

/** Answers the key and version checks the API makes before reading the body; true if it did. */
function rejectRequest(ex: Exchange, opts: FakeAnthropicOptions): boolean {
  const key = ex.recorded.apiKey;
  if (!key) {
    sendError(ex, 401, "authentication_error", "x-api-key header is required");
    return true;
  }
  if (opts.apiKey !== undefined && key !== opts.apiKey) {
    sendError(ex, 401, "authentication_error", "invalid x-api-key");
    return true;
  }
  if (ex.req.headers["anthropic-version"] === undefined) {
    sendError(ex, 400, "invalid_request_error", "anthropic-version: header is required");
    return true;
  }
  return false;
}

const MessagesRequest = z.looseObject({
  model: z.string(),
  max_tokens: z.number().int(),
  messages: z.array(z.unknown()),
  stream: z.boolean().nullish(),
});

/** The parsed body, or undefined after answering 400 in Anthropic's (pydantic-style) words. */
function parseBodyOr400(ex: Exchange): z.infer<typeof MessagesRequest> | undefined {
  const checked = checkBody(MessagesRequest, ex.recorded.body);
  if (checked.ok) return checked.value;
  const { path, missing } = checked.problem;
  const message =
    path === ""
      ? "There was an error parsing the body of your request. Please ensure it is valid JSON."
      : missing
        ? `${path}: Field required`
        : `${path}: Input should be a valid value`;
  sendError(ex, 400, "invalid_request_error", message);
  return undefined;
}

const SCRIPTED_ERRORS: Record<ErrorStatus, { type: AnthropicErrorType; message: string }> = {
  400: { type: "invalid_request_error", message: "Invalid request" },
  401: { type: "authentication_error", message: "invalid x-api-key" },
  403: {
    type: "permission_error",
    message: "Your API key does not have permission to use the specified resource.",
  },
  404: { type: "not_found_error", message: "model not found" },
  429: {
    type: "rate_limit_error",
    message:
      "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.",
  },
  500: { type: "api_error", message: "Internal server error" },
  503: { type: "api_error", message: "Service unavailable" },
  529: { type: "overloaded_error", message: "Overloaded" },
};

function sendScriptedError(ex: Exchange, reply: ErrorReply, model: string): void {
  const known = SCRIPTED_ERRORS[reply.status];
  const headers: Record<string, string> = {};
  if (reply.retryAfterSeconds !== undefined) headers["retry-after"] = String(reply.retryAfterSeconds);
  if (reply.status === 429) {
    headers["anthropic-ratelimit-requests-limit"] = "50";
    headers["anthropic-ratelimit-requests-remaining"] = "0";
  }
  const fallback = reply.status === 404 ? `model: ${model}` : known.message;
  sendError(ex, reply.status, known.type, reply.message ?? fallback, headers);
}

async function messages(ex: Exchange, opts: FakeAnthropicOptions): Promise<void> {
  if (rejectRequest(ex, opts)) return;
  const body = parseBodyOr400(ex);
  if (!body) return;
  const turn = turnOf(ex.takeReply(), (reply) => sendScriptedError(ex, reply, body.model));
  if (!turn) return;
  const usage = turnUsage(ex.promptText, turn);
  const id = randomId("msg_01", 22);
  const stopReason = turn.toolCalls.length > 0 ? "tool_use" : "end_turn";
  const blocks = contentBlocks(turn);
  if (body.stream) return streamMessage(ex, turn, usage, { id, model: body.model, stopReason, blocks });
  await paceWhole(turn, ex.signal);
  sendJson(
    ex.res,
    200,
    {
      ...messageHead(id, body.model, usage.inputTokens, usage.outputTokens),
      content: blocks.map((b) =>
        b.type === "text"
          ? { type: "text", text: b.text }
          : { type: "tool_use", id: b.id, name: b.name, input: b.input },
      ),
      stop_reason: stopReason,
    },
    responseHeaders(),
  );
}

type Block =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown>; pieces: string[] };

/** A text block when there is text (or nothing else), then one tool_use block per call. */
function contentBlocks(turn: ModelTurn): Block[] {
  const blocks: Block[] = [];
  if (turn.text !== "" || turn.toolCalls.length === 0) blocks.push({ type: "text", text: turn.text });
  for (const call of turn.toolCalls) {
    blocks.push({
      type: "tool_use",
      id: call.id ?? randomId("toolu_01", 22),
      name: call.name,
      input: call.arguments,
      pieces: call.argumentPieces,
    });
  }
  return blocks;
}

function messageHead(id: string, model: string, inputTokens: number, outputTokens: number) {
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content: [] as unknown[],
    stop_reason: null as string | null,
    stop_sequence: null,
    usage: {
      input_tokens: inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
      service_tier: "standard",
    },
  };
}

/**
 * message_start, then per block content_block_start / content_block_delta (text_delta or
 * input_json_delta, the first of which is empty as the docs show) / content_block_stop,
 * a ping after the first block opens, message_delta with stop_reason and cumulative
 * output_tokens, and message_stop.
 */
async function streamMessage(
  ex: Exchange,
  turn: ModelTurn,
  usage: TurnUsage,
  msg: { id: string; model: string; stopReason: string; blocks: Block[] },
): Promise<void> {
  const { res } = ex;
  const send = (type: string, fields: Record<string, unknown> = {}) =>
    res.write(sseFrame({ type, ...fields }, { event: type }));
  openSse(res, responseHeaders());
  send("message_start", { message: messageHead(msg.id, msg.model, usage.inputTokens, 1) });
  for (const [index, block] of msg.blocks.entries()) {
    if (block.type === "text") {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      if (index === 0) send("ping");
      for (const [i, piece] of turn.textPieces.entries()) {
        await pace(turn, i, ex.signal);
        send("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
      }
    } else {
      send("content_block_start", {
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      });
      if (index === 0) send("ping");
      for (const fragment of ["", ...block.pieces]) {
        send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: fragment } });
      }
    }
    send("content_block_stop", { index });
  }
  send("message_delta", {
    delta: { stop_reason: msg.stopReason, stop_sequence: null },
    usage: { output_tokens: usage.outputTokens },
  });
  send("message_stop");
  res.end();
}
