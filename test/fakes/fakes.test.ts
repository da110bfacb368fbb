// Proves each fake against the real clients: pi-ai's four wire APIs (which wrap the official
// SDKs) for streaming, and the SDKs themselves for non-streaming calls and listings.
import assert from "node:assert/strict";
import { test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import {
  type Api,
  type AssistantMessage,
  type AssistantMessageEventStream,
  type Context,
  type Model,
  normalizeContext,
  type SimpleStreamOptions,
  Type,
} from "@earendil-works/pi-ai";
import { streamSimple as anthropicMessages } from "@earendil-works/pi-ai/api/anthropic-messages";
import { streamSimple as googleGenerativeAi } from "@earendil-works/pi-ai/api/google-generative-ai";
import { streamSimple as openaiCompletions } from "@earendil-works/pi-ai/api/openai-completions";
import { streamSimple as openaiResponses } from "@earendil-works/pi-ai/api/openai-responses";
import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { startFakeAnthropic } from "./anthropic.ts";
import { startFakeGoogle } from "./google.ts";
import type { FakeLlm } from "./http-server.ts";
import { startFakeOpenAI } from "./openai.ts";

const TIMEOUT = { timeout: 15_000 };

function modelFor<TApi extends Api>(api: TApi, id: string, baseUrl: string): Model<TApi> {
  return {
    id,
    name: id,
    api,
    provider: "fake",
    baseUrl,
    reasoning: false,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 128_000,
    maxTokens: 4096,
  };
}

type Run = (fake: FakeLlm, context: Context, options: SimpleStreamOptions) => AssistantMessageEventStream;

interface Wire {
  api: string;
  start: () => Promise<FakeLlm>;
  run: Run;
  /** Path the request must arrive on. */
  path: string;
  /** Provider words that must reach errorMessage for a 401 and a 429. */
  unauthorized: RegExp;
  rateLimited: RegExp;
}

const WIRES: Wire[] = [
  {
    api: "openai-completions",
    start: startFakeOpenAI,
    run: (fake, ctx, opts) =>
      openaiCompletions(
        modelFor("openai-completions", "gpt-4o-mini", fake.baseUrl),
        normalizeContext(ctx),
        opts,
      ),
    path: "/v1/chat/completions",
    unauthorized: /Incorrect API key provided/,
    rateLimited: /rate_limit_exceeded/,
  },
  {
    api: "openai-responses",
    start: startFakeOpenAI,
    run: (fake, ctx, opts) =>
      openaiResponses(modelFor("openai-responses", "gpt-4o-mini", fake.baseUrl), normalizeContext(ctx), opts),
    path: "/v1/responses",
    unauthorized: /invalid_api_key/,
    rateLimited: /rate_limit_exceeded/,
  },
  {
    api: "anthropic-messages",
    start: startFakeAnthropic,
    run: (fake, ctx, opts) =>
      anthropicMessages(
        modelFor("anthropic-messages", "claude-sonnet-4-5", fake.baseUrl),
        normalizeContext(ctx),
        opts,
      ),
    path: "/v1/messages",
    unauthorized: /authentication_error/,
    rateLimited: /rate_limit_error/,
  },
  {
    api: "google-generative-ai",
    start: startFakeGoogle,
    run: (fake, ctx, opts) =>
      googleGenerativeAi(
        modelFor("google-generative-ai", "gemini-2.5-flash", fake.baseUrl),
        normalizeContext(ctx),
        opts,
      ),
    path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
    unauthorized: /UNAUTHENTICATED/,
    rateLimited: /RESOURCE_EXHAUSTED/,
  },
];

const KEY = { apiKey: "sk-test" };

function chat(text: string): Context {
  return {
    systemPrompt: "You are terse.",
    messages: [{ role: "user", content: text, timestamp: Date.now() }],
    tools: [
      {
        name: "get_weather",
        description: "Weather for a city",
        parameters: Type.Object({ city: Type.String(), days: Type.Number() }),
      },
    ],
  };
}

async function drain(stream: AssistantMessageEventStream) {
  const deltas: string[] = [];
  for await (const event of stream) if (event.type === "text_delta") deltas.push(event.delta);
  return { deltas, message: await stream.result() };
}

function textOf(message: AssistantMessage): string {
  return message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
}

async function startFake(wire: Wire, t: { after(fn: () => Promise<void>): void }): Promise<FakeLlm> {
  const fake = await wire.start();
  t.after(() => fake.close());
  return fake;
}

for (const wire of WIRES) {
  test(`${wire.api}: streamed text arrives as deltas and the request is recorded`, TIMEOUT, async (t) => {
    const fake = await startFake(wire, t);
    fake.enqueue({ kind: "text", text: "Hello from the fake", chunks: 3 });

    const { deltas, message } = await drain(wire.run(fake, chat("ping the fake"), KEY));

    assert.equal(message.stopReason, "stop", message.errorMessage);
    assert.equal(deltas.length, 3);
    assert.equal(deltas.join(""), "Hello from the fake");
    assert.equal(textOf(message), "Hello from the fake");
    assert.ok(message.usage.input > 0 && message.usage.output > 0, JSON.stringify(message.usage));
    const req = await fake.nextRequest();
    assert.equal(req.method, "POST");
    assert.equal(req.path, wire.path);
    assert.equal(req.apiKey, "sk-test");
    assert.match(fake.lastRequestText(), /ping the fake/);
    assert.match(fake.lastRequestText(), /You are terse\./);
  });

  test(`${wire.api}: a scripted tool call comes back as a toolCall block`, TIMEOUT, async (t) => {
    const fake = await startFake(wire, t);
    fake.enqueue({
      kind: "toolCalls",
      text: "Checking.",
      calls: [{ name: "get_weather", arguments: { city: "Oslo", days: 2 } }],
    });

    const { message } = await drain(wire.run(fake, chat("weather in Oslo?"), KEY));

    assert.equal(message.stopReason, "toolUse", message.errorMessage);
    assert.equal(textOf(message), "Checking.");
    const calls = message.content.filter((b) => b.type === "toolCall");
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.name, "get_weather");
    assert.deepEqual(calls[0]?.arguments, { city: "Oslo", days: 2 });
  });

  test(`${wire.api}: a scripted 401 ends the stream with the provider's error`, TIMEOUT, async (t) => {
    const fake = await startFake(wire, t);
    fake.enqueue({ kind: "error", status: 401 });

    const { message } = await drain(wire.run(fake, chat("hi"), KEY));

    assert.equal(message.stopReason, "error");
    assert.match(message.errorMessage ?? "", /401/);
    assert.match(message.errorMessage ?? "", wire.unauthorized);
  });

  test(`${wire.api}: a scripted 429 is not retried unless maxRetries is set`, TIMEOUT, async (t) => {
    const fake = await startFake(wire, t);
    fake.enqueue({ kind: "error", status: 429, retryAfterSeconds: 0 });

    const { message } = await drain(wire.run(fake, chat("hi"), KEY));

    assert.equal(message.stopReason, "error");
    assert.match(message.errorMessage ?? "", /429/);
    assert.match(message.errorMessage ?? "", wire.rateLimited);
    assert.equal(fake.requests.length, 1);
  });

  // Gemini sends no retry-after header, so for it pi-ai backs off ~0.5 s before retrying.
  test(`${wire.api}: with maxRetries, a 429 is retried and then succeeds`, TIMEOUT, async (t) => {
    const fake = await startFake(wire, t);
    fake.enqueue({ kind: "error", status: 429, retryAfterSeconds: 0 }, { kind: "text", text: "recovered" });

    const { message } = await drain(wire.run(fake, chat("hi"), { ...KEY, maxRetries: 1 }));

    assert.equal(message.stopReason, "stop", message.errorMessage);
    assert.equal(textOf(message), "recovered");
    assert.equal(fake.requests.length, 2);
  });

  test(`${wire.api}: aborting a hung request ends the stream as aborted`, TIMEOUT, async (t) => {
    const fake = await startFake(wire, t);
    fake.enqueue({ kind: "hang" });
    const abort = new AbortController();

    const stream = wire.run(fake, chat("hi"), { ...KEY, signal: abort.signal });
    await fake.nextRequest();
    abort.abort();

    assert.equal((await stream.result()).stopReason, "aborted");
  });

  test(`${wire.api}: aborting a slow stream keeps the text received so far`, TIMEOUT, async (t) => {
    const fake = await startFake(wire, t);
    fake.enqueue({ kind: "slow", text: "one two three", delayMsPerChunk: 60_000 });
    const abort = new AbortController();

    const stream = wire.run(fake, chat("hi"), { ...KEY, signal: abort.signal });
    for await (const event of stream) if (event.type === "text_delta") abort.abort();
    const message = await stream.result();

    assert.equal(message.stopReason, "aborted");
    assert.equal(textOf(message), "one ");
  });
}

test(
  "the script: queue first, then the default; nextRequest hands out requests in order",
  TIMEOUT,
  async (t) => {
    const fake = await startFakeOpenAI();
    t.after(() => fake.close());
    const wire = WIRES[0] as Wire;
    fake.setDefault((req) => ({ kind: "text", text: `default for ${req.path}` }));
    fake.enqueue({ kind: "text", text: "first" });
    const waiting = fake.nextRequest();

    const first = await drain(wire.run(fake, chat("a"), KEY));
    const second = await drain(wire.run(fake, chat("b"), KEY));

    assert.equal(textOf(first.message), "first");
    assert.equal(textOf(second.message), "default for /v1/chat/completions");
    assert.match(collectUser(await waiting), /^a$/);
    assert.match(collectUser(await fake.nextRequest()), /^b$/);
    const pending = fake.nextRequest();
    await fake.close();
    await assert.rejects(pending, /closed/);
  },
);

function collectUser(req: { body: { messages: { role: string; content: string }[] } }): string {
  return req.body.messages.find((m) => m.role === "user")?.content ?? "";
}

test("openai: the SDK reads non-streaming answers and the model list", TIMEOUT, async (t) => {
  const fake = await startFakeOpenAI({ models: ["gpt-fake"] });
  t.after(() => fake.close());
  const client = new OpenAI({ baseURL: fake.baseUrl, apiKey: "sk-test", maxRetries: 0 });
  fake.enqueue(
    { kind: "text", text: "plain answer" },
    { kind: "toolCalls", calls: [{ id: "call_1", name: "f", arguments: { x: 1 } }] },
    { kind: "text", text: "responses answer" },
  );

  const completion = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
  });
  const withCall = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "call f" }],
  });
  const response = await client.responses.create({ model: "gpt-4o-mini", input: "hi" });
  const models = await client.models.list();

  assert.equal(completion.choices[0]?.message.content, "plain answer");
  assert.equal(completion.choices[0]?.finish_reason, "stop");
  assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
  const call = withCall.choices[0]?.message.tool_calls?.[0];
  assert.equal(call?.id, "call_1");
  assert.equal(call?.type === "function" ? call.function.arguments : undefined, '{"x":1}');
  assert.equal(response.output_text, "responses answer");
  assert.equal(response.status, "completed");
  assert.deepEqual(
    models.data.map((m) => m.id),
    ["gpt-fake"],
  );
});

test("openai: failures carry OpenAI's error body and headers", TIMEOUT, async (t) => {
  const fake = await startFakeOpenAI({ apiKey: "sk-right" });
  t.after(() => fake.close());
  const post = (auth: string | undefined, body: string) =>
    fetch(`${fake.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body,
    });
  const valid = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

  const noKey = await post(undefined, valid);
  const wrongKey = await post("sk-wrong-key-123456", valid);
  const noMessages = await post("sk-right", JSON.stringify({ model: "gpt-4o-mini" }));
  fake.enqueue({ kind: "error", status: 429, retryAfterSeconds: 7 });
  const limited = await post("sk-right", valid);
  const unknown = await fetch(`${fake.baseUrl}/nope`, { headers: { authorization: "Bearer sk-right" } });

  assert.equal(noKey.status, 401);
  assert.match((await noKey.json()).error.message, /You didn't provide an API key/);
  assert.equal(wrongKey.status, 401);
  const wrong = (await wrongKey.json()).error;
  assert.equal(wrong.code, "invalid_api_key");
  assert.equal(wrong.param, null);
  assert.doesNotMatch(wrong.message, /sk-wrong-key-123456/);
  assert.equal(noMessages.status, 400);
  assert.deepEqual((await noMessages.json()).error, {
    message: "Missing required parameter: 'messages'.",
    type: "invalid_request_error",
    param: "messages",
    code: "missing_required_parameter",
  });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "7");
  assert.match(limited.headers.get("x-request-id") ?? "", /^req_/);
  assert.equal((await limited.json()).error.type, "requests");
  assert.equal(unknown.status, 404);
  assert.match((await unknown.json()).error.message, /Invalid URL \(GET \/v1\/nope\)/);
});

test("anthropic: the SDK reads a non-streaming message", TIMEOUT, async (t) => {
  const fake = await startFakeAnthropic();
  t.after(() => fake.close());
  const client = new Anthropic({ baseURL: fake.baseUrl, apiKey: "sk-ant-test", maxRetries: 0 });
  fake.enqueue({
    kind: "toolCalls",
    text: "Let me look.",
    calls: [{ name: "lookup", arguments: { q: "x" } }],
  });

  const message = await client.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "find x" }],
  });

  assert.equal(message.stop_reason, "tool_use");
  assert.equal(message.content[0]?.type === "text" ? message.content[0].text : undefined, "Let me look.");
  const toolUse = message.content[1];
  assert.deepEqual(toolUse?.type === "tool_use" ? [toolUse.name, toolUse.input] : [], ["lookup", { q: "x" }]);
  assert.ok(message.usage.input_tokens > 0);
  assert.equal((await fake.nextRequest()).apiKey, "sk-ant-test");
});

test("anthropic: failures carry Anthropic's error body and request-id", TIMEOUT, async (t) => {
  const fake = await startFakeAnthropic();
  t.after(() => fake.close());
  const post = (headers: Record<string, string>) =>
    fetch(`${fake.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [] }),
    });
  const versioned = { "x-api-key": "k", "anthropic-version": "2023-06-01" };

  fake.enqueue({ kind: "error", status: 529 }, { kind: "error", status: 429, retryAfterSeconds: 12 });
  const overloaded = await post(versioned);
  const limited = await post(versioned);
  const noVersion = await post({ "x-api-key": "k" });
  const noKey = await post({ "anthropic-version": "2023-06-01" });

  assert.equal(overloaded.status, 529);
  const body = await overloaded.json();
  assert.deepEqual(body.error, { type: "overloaded_error", message: "Overloaded" });
  assert.equal(body.type, "error");
  assert.equal(body.request_id, overloaded.headers.get("request-id"));
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "12");
  assert.equal((await limited.json()).error.type, "rate_limit_error");
  assert.equal(noVersion.status, 400);
  assert.match((await noVersion.json()).error.message, /anthropic-version/);
  assert.equal(noKey.status, 401);
});

test("anthropic: an OAuth token arrives as a Bearer header", TIMEOUT, async (t) => {
  const fake = await startFakeAnthropic();
  t.after(() => fake.close());
  const wire = WIRES.find((w) => w.api === "anthropic-messages") as Wire;

  const { message } = await drain(wire.run(fake, chat("hi"), { apiKey: "sk-ant-oat01-fake" }));

  assert.equal(message.stopReason, "stop", message.errorMessage);
  const req = await fake.nextRequest();
  assert.equal(req.headers.authorization, "Bearer sk-ant-oat01-fake");
  assert.equal(req.apiKey, "sk-ant-oat01-fake");
});

test("google: the SDK composes /v1beta itself and reads a non-streaming answer", TIMEOUT, async (t) => {
  const fake = await startFakeGoogle();
  t.after(() => fake.close());
  const ai = new GoogleGenAI({ apiKey: "g-key", httpOptions: { baseUrl: fake.origin } });
  fake.enqueue({ kind: "toolCalls", calls: [{ name: "lookup", arguments: { q: "x" } }] });

  const response = await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "find x" });

  assert.deepEqual(
    response.functionCalls?.map((c) => [c.name, c.args]),
    [["lookup", { q: "x" }]],
  );
  assert.equal(response.candidates?.[0]?.finishReason, "STOP");
  assert.ok((response.usageMetadata?.promptTokenCount ?? 0) > 0);
  const req = await fake.nextRequest();
  assert.equal(req.path, "/v1beta/models/gemini-2.5-flash:generateContent");
  assert.equal(req.apiKey, "g-key");
});

test("google: failures carry google.rpc.Status bodies", TIMEOUT, async (t) => {
  const fake = await startFakeGoogle({ apiKey: "g-right" });
  t.after(() => fake.close());
  const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  const post = (path: string) => fetch(`${fake.origin}${path}`, { method: "POST", body });

  fake.enqueue({ kind: "error", status: 429, retryAfterSeconds: 30 });
  const limited = await post("/v1beta/models/gemini-2.5-flash:generateContent?key=g-right");
  const wrongKey = await post("/v1beta/models/gemini-2.5-flash:generateContent?key=g-wrong");
  const unversioned = await post("/models/gemini-2.5-flash:generateContent?key=g-right");

  assert.equal(limited.status, 429);
  const limitedError = (await limited.json()).error;
  assert.equal(limitedError.code, 429);
  assert.equal(limitedError.status, "RESOURCE_EXHAUSTED");
  assert.equal(limitedError.details[0].retryDelay, "30s");
  assert.equal(wrongKey.status, 400);
  assert.equal((await wrongKey.json()).error.details[0].reason, "API_KEY_INVALID");
  assert.equal(unversioned.status, 404);
  assert.equal(fake.requests[0]?.apiKey, "g-right");
});

/** Splits an SSE body into frames of `{ event, data }`, by the given end of line. */
async function readFrames(res: Response, eol = "\n"): Promise<{ event: string | undefined; data: string }[]> {
  const text = await res.text();
  assert.ok(text.endsWith(eol + eol), "the body ends with a blank line");
  return text
    .slice(0, -2 * eol.length)
    .split(eol + eol)
    .map((frame) => {
      const lines = frame.split(eol);
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines.find((l) => l.startsWith("data: "))?.slice(6) ?? "";
      return { event, data };
    });
}

// The SDKs tolerate some framing slips (a missing [DONE], a missing event line), so the
// documented framing itself is pinned here on the raw bytes.
test("streams are framed as each provider documents", TIMEOUT, async (t) => {
  const openai = await startFakeOpenAI();
  const anthropic = await startFakeAnthropic();
  const google = await startFakeGoogle();
  t.after(() => Promise.all([openai.close(), anthropic.close(), google.close()]).then(() => {}));
  const json = { "content-type": "application/json", authorization: "Bearer k" };

  const chunks = await readFrames(
    await fetch(`${openai.baseUrl}/chat/completions`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({
        model: "m",
        messages: [],
        stream: true,
        stream_options: { include_usage: true },
      }),
    }),
  );
  assert.equal(chunks.at(-1)?.data, "[DONE]");
  const parsed = chunks.slice(0, -1).map((c) => JSON.parse(c.data));
  assert.equal(parsed[0].choices[0].delta.role, "assistant");
  assert.equal(parsed.at(-2).choices[0].finish_reason, "stop");
  assert.deepEqual(parsed.at(-1).choices, []);
  assert.ok(parsed.at(-1).usage.total_tokens > 0);
  assert.ok(parsed.slice(0, -1).every((c: { usage: unknown }) => c.usage === null));

  const events = await readFrames(
    await fetch(`${openai.baseUrl}/responses`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ model: "m", input: "hi", stream: true }),
    }),
  );
  const types = events.map((e) => JSON.parse(e.data).type);
  assert.deepEqual(
    events.map((e) => e.event),
    types,
  );
  assert.deepEqual(
    events.map((e) => JSON.parse(e.data).sequence_number),
    types.map((_, i) => i),
  );
  assert.equal(types[0], "response.created");
  assert.equal(types.at(-1), "response.completed");

  anthropic.enqueue({ kind: "text", text: "Hello", chunks: 1 });
  const messageEvents = await readFrames(
    await fetch(`${anthropic.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "m", max_tokens: 10, messages: [], stream: true }),
    }),
  );
  assert.deepEqual(
    messageEvents.map((e) => e.event),
    [
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ],
  );
  assert.deepEqual(
    messageEvents.map((e) => JSON.parse(e.data).type),
    messageEvents.map((e) => e.event),
  );

  const geminiChunks = await readFrames(
    await fetch(`${google.baseUrl}/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=k`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }] }),
    }),
    "\r\n",
  );
  const last = JSON.parse(geminiChunks.at(-1)?.data ?? "{}");
  assert.equal(last.candidates[0].finishReason, "STOP");
  assert.ok(last.usageMetadata.totalTokenCount > last.usageMetadata.promptTokenCount);
});
