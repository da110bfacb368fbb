// Proves the Mistral fake against pi-ai's own `mistral-conversations` client (a plain fetch of
// /v1/chat/completions, no SDK), and pins the documented framing and error bodies on raw bytes.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AssistantMessage,
  type AssistantMessageEventStream,
  type Context,
  type Model,
  normalizeContext,
  type SimpleStreamOptions,
  Type,
} from "@earendil-works/pi-ai";
import { streamSimple } from "@earendil-works/pi-ai/api/mistral-conversations";
import type { FakeLlm } from "./http-server.ts";
import { startFakeMistral } from "./mistral.ts";

const TIMEOUT = { timeout: 15_000 };
const KEY = { apiKey: "mistral-test-key" };

function model(baseUrl: string): Model<"mistral-conversations"> {
  return {
    id: "mistral-large-latest",
    name: "Mistral Large",
    api: "mistral-conversations",
    provider: "mistral",
    baseUrl,
    reasoning: false,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 128_000,
    maxTokens: 4096,
  };
}

const TOOLS: Context["tools"] = [
  {
    name: "get_weather",
    description: "Weather for a city",
    parameters: Type.Object({ city: Type.String(), days: Type.Number() }),
  },
];

function chat(text: string): Context {
  return {
    systemPrompt: "You are terse.",
    messages: [{ role: "user", content: text, timestamp: Date.now() }],
    tools: TOOLS,
  };
}

function run(
  fake: FakeLlm,
  context: Context,
  options: SimpleStreamOptions = KEY,
): AssistantMessageEventStream {
  return streamSimple(model(fake.baseUrl), normalizeContext(context), options);
}

async function drain(stream: AssistantMessageEventStream) {
  const deltas: string[] = [];
  for await (const event of stream) if (event.type === "text_delta") deltas.push(event.delta);
  return { deltas, message: await stream.result() };
}

function textOf(message: AssistantMessage): string {
  return message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
}

async function startFake(t: { after(fn: () => Promise<void>): void }, opts = {}): Promise<FakeLlm> {
  const fake = await startFakeMistral(opts);
  t.after(() => fake.close());
  return fake;
}

test(
  "mistral: streamed text arrives as deltas with usage, and the request is recorded",
  TIMEOUT,
  async (t) => {
    const fake = await startFake(t);
    fake.enqueue({ kind: "text", text: "Hello from the fake", chunks: 3 });

    const { deltas, message } = await drain(run(fake, chat("ping the fake")));

    assert.equal(message.stopReason, "stop", message.errorMessage);
    assert.deepEqual(deltas.join(""), "Hello from the fake");
    // Mistral opens with `content: ""` and closes with it too; pi-ai passes those on as empty deltas.
    assert.equal(deltas.filter((d) => d !== "").length, 3);
    assert.equal(textOf(message), "Hello from the fake");
    assert.ok(message.usage.input > 0 && message.usage.output > 0, JSON.stringify(message.usage));
    assert.match(message.responseId ?? "", /^[0-9a-f]{32}$/);
    const req = await fake.nextRequest();
    assert.equal(req.method, "POST");
    assert.equal(req.path, "/v1/chat/completions");
    assert.equal(req.apiKey, "mistral-test-key");
    assert.equal(req.body.stream, true);
    assert.equal(req.body.tools[0].function.name, "get_weather");
    assert.match(fake.lastRequestText(), /ping the fake/);
    assert.match(fake.lastRequestText(), /You are terse\./);
  },
);

test(
  "mistral: a tool call comes back whole, and its result goes back under a nine-character id",
  TIMEOUT,
  async (t) => {
    const fake = await startFake(t);
    fake.enqueue(
      {
        kind: "toolCalls",
        text: "Checking.",
        calls: [{ name: "get_weather", arguments: { city: "Oslo", days: 2 } }],
      },
      { kind: "text", text: "Sunny in Oslo." },
    );
    const context = chat("weather in Oslo?");

    const first = await drain(run(fake, context));

    assert.equal(first.message.stopReason, "toolUse", first.message.errorMessage);
    assert.equal(textOf(first.message), "Checking.");
    const calls = first.message.content.filter((b) => b.type === "toolCall");
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.name, "get_weather");
    assert.deepEqual(call.arguments, { city: "Oslo", days: 2 });
    assert.match(call.id, /^[a-zA-Z0-9]{9}$/);

    context.messages.push(first.message, {
      role: "toolResult",
      toolCallId: call.id,
      toolName: call.name,
      content: [{ type: "text", text: "sunny, 21 C" }],
      isError: false,
      timestamp: Date.now(),
    });
    const second = await drain(run(fake, context));

    assert.equal(second.message.stopReason, "stop", second.message.errorMessage);
    assert.equal(textOf(second.message), "Sunny in Oslo.");
    const messages = fake.requests[1]?.body.messages as Record<string, unknown>[];
    const assistant = messages.find((m) => m["role"] === "assistant") as { tool_calls: { id: string }[] };
    const tool = messages.at(-1) as { role: string; tool_call_id: string; content: { text: string }[] };
    assert.equal(tool.role, "tool");
    assert.equal(tool.tool_call_id, call.id);
    assert.equal(assistant.tool_calls[0]?.id, call.id);
    assert.match(tool.content[0]?.text ?? "", /sunny, 21 C/);
  },
);

test("mistral: ids another provider minted are shortened before Mistral sees them", TIMEOUT, async (t) => {
  const fake = await startFake(t);
  const context = chat("weather?");
  context.messages.push(
    {
      role: "assistant",
      content: [
        {
          type: "toolCall",
          id: "call_PTLP8xhu3uwZk4l3nlnrrJha",
          name: "get_weather",
          arguments: { city: "Rome", days: 1 },
        },
      ],
      api: "openai-completions",
      provider: "openai",
      model: "gpt-4o-mini",
      usage: {
        input: 1,
        output: 1,
        cacheRead: 0,
        cacheWrite: 0,
        totalTokens: 2,
        cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
      },
      stopReason: "toolUse",
      timestamp: Date.now(),
    },
    {
      role: "toolResult",
      toolCallId: "call_PTLP8xhu3uwZk4l3nlnrrJha",
      toolName: "get_weather",
      content: [{ type: "text", text: "rain" }],
      isError: false,
      timestamp: Date.now(),
    },
  );

  const { message } = await drain(run(fake, context));

  assert.equal(message.stopReason, "stop", message.errorMessage);
  const tool = (fake.requests[0]?.body.messages as { role: string; tool_call_id?: string }[] | undefined)?.at(
    -1,
  );
  assert.match(tool?.tool_call_id ?? "", /^[a-zA-Z0-9]{9}$/);
});

test("mistral: a 401 ends the stream with Mistral's words", TIMEOUT, async (t) => {
  const fake = await startFake(t, { apiKey: "the-right-key" });

  const { message } = await drain(run(fake, chat("hi"), { apiKey: "a-wrong-key" }));

  assert.equal(message.stopReason, "error");
  assert.match(message.errorMessage ?? "", /^Mistral API error \(401\): .*"message":"Unauthorized"/);
});

test("mistral: a 429 ends the stream after one request, naming the rate limit", TIMEOUT, async (t) => {
  const fake = await startFake(t);
  fake.enqueue({ kind: "error", status: 429, retryAfterSeconds: 0 });

  const { message } = await drain(run(fake, chat("hi")));

  assert.equal(message.stopReason, "error");
  assert.match(message.errorMessage ?? "", /^Mistral API error \(429\): .*"type":"rate_limited"/);
  assert.equal(fake.requests.length, 1);
});

test("mistral: aborting a hung request ends the stream as aborted", TIMEOUT, async (t) => {
  const fake = await startFake(t);
  fake.enqueue({ kind: "hang" });
  const abort = new AbortController();

  const stream = run(fake, chat("hi"), { ...KEY, signal: abort.signal });
  await fake.nextRequest();
  abort.abort();

  assert.equal((await stream.result()).stopReason, "aborted");
});

test("mistral: aborting a slow stream keeps the text received so far", TIMEOUT, async (t) => {
  const fake = await startFake(t);
  fake.enqueue({ kind: "slow", text: "one two three", delayMsPerChunk: 60_000 });
  const abort = new AbortController();

  const stream = run(fake, chat("hi"), { ...KEY, signal: abort.signal });
  for await (const event of stream) if (event.type === "text_delta") abort.abort();
  const message = await stream.result();

  assert.equal(message.stopReason, "aborted");
  assert.equal(textOf(message), "one ");
});

test("mistral: the stream is framed as documented", TIMEOUT, async (t) => {
  const fake = await startFake(t);
  fake.enqueue(
    { kind: "text", text: "Hello", chunks: 2 },
    { kind: "toolCalls", calls: [{ name: "f", arguments: { x: 1 } }] },
  );
  const post = (content: string) =>
    fetch(`${fake.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body: JSON.stringify({
        model: "mistral-small-latest",
        stream: true,
        messages: [{ role: "user", content }],
      }),
    });

  const text = await frames(await post("hi"));
  const calls = await frames(await post("call f"));

  assert.equal(text.at(-1), "[DONE]");
  const chunks = text.slice(0, -1).map((d) => JSON.parse(d));
  assert.deepEqual(chunks[0].choices[0].delta, { role: "assistant", content: "" });
  assert.equal(chunks.map((c) => c.choices[0].delta.content).join(""), "Hello");
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0].id));
  assert.ok(chunks.slice(0, -1).every((c) => !("usage" in c) && c.choices[0].finish_reason === null));
  assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");
  assert.ok(chunks.at(-1).usage.total_tokens > chunks.at(-1).usage.prompt_tokens);

  const last = JSON.parse(calls.at(-2) ?? "{}");
  assert.equal(last.choices[0].finish_reason, "tool_calls");
  const [call] = last.choices[0].delta.tool_calls;
  assert.match(call.id, /^[a-zA-Z0-9]{9}$/);
  assert.deepEqual(call.function, { name: "f", arguments: '{"x":1}' });
  assert.equal(call.index, 0);
});

/** The `data:` payloads of an SSE body, in order. */
async function frames(res: Response): Promise<string[]> {
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const body = await res.text();
  assert.ok(body.endsWith("\n\n"));
  return body
    .slice(0, -2)
    .split("\n\n")
    .map((frame) => {
      assert.ok(frame.startsWith("data: "), frame);
      return frame.slice(6);
    });
}

test("mistral: failures carry Mistral's error bodies", TIMEOUT, async (t) => {
  const fake = await startFake(t, { apiKey: "k-right", models: ["mistral-fake-latest"] });
  const post = (auth: string | undefined, body: unknown) =>
    fetch(`${fake.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const user = [{ role: "user", content: "hi" }];

  const noKey = await post(undefined, { model: "m", messages: user });
  const wrongKey = await post("k-wrong", { model: "m", messages: user });
  const openAiFields = await post("k-right", {
    model: "m",
    messages: user,
    stream_options: { include_usage: true },
    max_completion_tokens: 10,
  });
  const noMessages = await post("k-right", { model: "m" });
  const badId = await post("k-right", {
    model: "m",
    messages: [
      ...user,
      { role: "assistant", tool_calls: [{ id: "call_123", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_123", content: "x" },
    ],
  });
  const endsWithAssistant = await post("k-right", {
    model: "m",
    messages: [...user, { role: "assistant", content: "half" }],
  });
  fake.enqueue({ kind: "error", status: 400 }, { kind: "error", status: 429, retryAfterSeconds: 7 });
  const invalidModel = await post("k-right", { model: "mistral-ultra", messages: user });
  const limited = await post("k-right", { model: "m", messages: user });
  const unknown = await fetch(`${fake.origin}/v1/nope`, { headers: { authorization: "Bearer k-right" } });
  const models = await fetch(`${fake.origin}/v1/models`, { headers: { authorization: "Bearer k-right" } });

  assert.equal(noKey.status, 401);
  assert.equal((await noKey.json()).message, "No API key found in request");
  assert.equal(wrongKey.status, 401);
  const wrong = await wrongKey.json();
  assert.equal(wrong.message, "Unauthorized");
  assert.match(wrong.request_id, /^[0-9a-f]{32}$/);
  assert.equal(openAiFields.status, 422);
  const extra = await openAiFields.json();
  assert.equal(extra.type, "invalid_request_error");
  assert.deepEqual(
    extra.message.detail.map((d: { type: string; loc: string[] }) => [d.type, d.loc.join(".")]),
    [
      ["extra_forbidden", "body.stream_options"],
      ["extra_forbidden", "body.max_completion_tokens"],
    ],
  );
  assert.equal(noMessages.status, 422);
  assert.deepEqual(
    (await noMessages.json()).message.detail.map((d: { type: string; loc: string[]; msg: string }) => [
      d.type,
      d.loc,
      d.msg,
    ]),
    [["missing", ["body", "messages"], "Field required"]],
  );
  assert.equal(badId.status, 400);
  assert.deepEqual(await badId.json(), {
    object: "error",
    message: "Tool call id was call_123 but must be a-z, A-Z, 0-9, with a length of 9.",
    type: "invalid_function_call",
    param: null,
    code: "3280",
  });
  assert.equal(endsWithAssistant.status, 400);
  assert.equal((await endsWithAssistant.json()).type, "invalid_request_message_order");
  assert.equal(invalidModel.status, 400);
  assert.deepEqual(await invalidModel.json(), {
    object: "error",
    message: "Invalid model: mistral-ultra",
    type: "invalid_model",
    param: null,
    code: "1500",
  });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "7");
  assert.equal((await limited.json()).code, "1300");
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { detail: "Not Found" });
  assert.deepEqual(
    (await models.json()).data.map((m: { id: string }) => m.id),
    ["mistral-fake-latest"],
  );
});
