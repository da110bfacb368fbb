import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AssistantMessage, AssistantMessageEvent, Context, Tool } from "@earendil-works/pi-ai";
import type { ResolvedModel } from "../../src/models/catalog.ts";
import { classifyFailure } from "../../src/models/failure.ts";
import { streamModel } from "../../src/models/stream.ts";
import { type FakeBedrock, startFakeBedrock } from "../fakes/bedrock.ts";

// pi-ai's Bedrock client (the real AWS SDK) against the fake: it reads AWS credentials from the
// process environment, as the gateway process does. Each test file runs in its own process.
const KEYS = {
  accessKeyId: "AKIAFAKEEXAMPLE00001",
  secretAccessKey: "fake/Secret/Key/for+SigV4+tests/0000000",
};
const REGION = "eu-west-3";

function setAwsEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

before(() => {
  setAwsEnv({
    AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_MAX_ATTEMPTS: "1", // one request per call, so each scripted reply maps to one attempt
    HOME: "/nonexistent",
  });
});

function model(baseUrl: string, id = "anthropic.claude-test-v1:0"): ResolvedModel {
  return {
    id,
    name: id,
    api: "bedrock-converse-stream",
    provider: "amazon-bedrock",
    baseUrl,
    reasoning: false,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 200_000,
    maxTokens: 4096,
  } as ResolvedModel;
}

async function run(fake: FakeBedrock, ctx: Context, opts: { id?: string; apiKey?: string } = {}) {
  const stream = await streamModel(model(fake.baseUrl, opts.id), ctx, {
    apiKey: opts.apiKey ?? "",
    signal: AbortSignal.timeout(20_000),
    awsRegion: REGION,
  });
  const events: AssistantMessageEvent[] = [];
  for await (const ev of stream) events.push(ev);
  const end = events.at(-1)!;
  const message: AssistantMessage =
    end.type === "done" ? end.message : (end as { error: AssistantMessage }).error;
  return { events, end, message };
}

const ask = (text: string): Context => ({
  messages: [{ role: "user", content: text, timestamp: Date.now() }],
});

describe("SigV4-signed requests", () => {
  let fake: FakeBedrock;
  before(async () => {
    fake = await startFakeBedrock({ credentials: KEYS, region: REGION });
  });
  after(() => fake.close());

  test("a streamed text answer, signed with the host's keys for the configured region", async () => {
    fake.enqueue({ kind: "text", text: "Bonjour from Bedrock", chunks: 4 });
    const { events, end, message } = await run(fake, ask("hello there"));
    assert.equal(end.type, "done", message.errorMessage);
    assert.deepEqual(message.content, [{ type: "text", text: "Bonjour from Bedrock" }]);
    assert.equal(events.filter((e) => e.type === "text_delta").length, 4, "deltas arrive as streamed");
    assert.ok(message.usage.input > 0 && message.usage.output > 0, "metadata usage is read");
    const req = fake.requests.at(-1)!;
    assert.equal(req.modelId, "anthropic.claude-test-v1:0");
    assert.equal(req.httpVersion, "2.0", "the SDK's default HTTP/2 handler");
    assert.ok(req.auth.scheme === "sigv4");
    assert.equal(req.auth.sigv4.accessKeyId, KEYS.accessKeyId);
    assert.equal(req.auth.sigv4.region, REGION);
    assert.match(fake.lastRequestText(), /hello there/);
  });

  test("a tool call, then its result sent back in the shape Bedrock accepts", async () => {
    const tools: Tool[] = [
      {
        name: "get_weather",
        description: "Weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } as never,
      },
    ];
    fake.enqueue({ kind: "toolCalls", calls: [{ name: "get_weather", arguments: { city: "Lyon" } }] });
    const ctx: Context = { ...ask("weather in Lyon?"), tools };
    const first = await run(fake, ctx);
    assert.equal(first.message.stopReason, "toolUse");
    const call = first.message.content.find((c) => c.type === "toolCall");
    assert.ok(call && call.type === "toolCall");
    assert.equal(call.name, "get_weather");
    assert.deepEqual(call.arguments, { city: "Lyon" });
    assert.match(call.id, /^tooluse_/);

    fake.enqueue({ kind: "text", text: "Sunny in Lyon." });
    const second = await run(fake, {
      tools,
      messages: [
        ...ctx.messages,
        first.message,
        {
          role: "toolResult",
          toolCallId: call.id,
          toolName: "get_weather",
          content: [{ type: "text", text: "sunny, 24C" }],
          isError: false,
          timestamp: Date.now(),
        },
      ],
    });
    assert.equal(second.end.type, "done", second.message.errorMessage);
    assert.deepEqual(second.message.content, [{ type: "text", text: "Sunny in Lyon." }]);
    const body = fake.requests.at(-1)!.body;
    assert.equal(body.messages[2].content[0].toolResult.toolUseId, call.id);
    assert.equal(body.toolConfig.tools[0].toolSpec.name, "get_weather");
  });

  test("HTTP errors carry Bedrock's exception names, and classify for failover", async () => {
    const cases = [
      [429, /Throttling/, "rate_limit"],
      [403, /AccessDenied/, "auth"],
      [400, /Validation/, "format"],
      [503, /Service unavailable/, "timeout"],
    ] as const;
    for (const [status, pattern, reason] of cases) {
      fake.enqueue({ kind: "error", status });
      const { end, message } = await run(fake, ask("hi"));
      assert.equal(end.type, "error");
      assert.match(message.errorMessage ?? "", pattern);
      assert.equal(classifyFailure(message.errorMessage), reason, message.errorMessage);
    }
  });

  test("an exception frame mid-stream ends the answer with an error", async () => {
    fake.enqueue({
      kind: "streamException",
      exception: "throttlingException",
      message: "Too many tokens, please wait before trying again.",
      afterText: "partial",
    });
    const { end, message } = await run(fake, ask("hi"));
    assert.equal(end.type, "error");
    assert.match(message.errorMessage ?? "", /Throttling error: Too many tokens/);
  });

  test("an unknown model id is a ValidationException", async () => {
    const strict = await startFakeBedrock({ credentials: KEYS, models: ["amazon.nova-pro-v1:0"] });
    try {
      const { message } = await run(strict, ask("hi"), { id: "amazon.nova-nope-v1:0" });
      assert.match(message.errorMessage ?? "", /The provided model identifier is invalid/);
    } finally {
      await strict.close();
    }
  });
});

test("with AWS_BEDROCK_FORCE_HTTP1 the same exchange runs over HTTP/1.1", async () => {
  setAwsEnv({ AWS_BEDROCK_FORCE_HTTP1: "1" });
  const fake = await startFakeBedrock({ credentials: KEYS, region: REGION });
  try {
    fake.enqueue({ kind: "text", text: "over h1" });
    const { end, message } = await run(fake, ask("hi"));
    assert.equal(end.type, "done", message.errorMessage);
    assert.deepEqual(message.content, [{ type: "text", text: "over h1" }]);
    assert.equal(fake.requests.at(-1)!.httpVersion, "1.1");
  } finally {
    setAwsEnv({ AWS_BEDROCK_FORCE_HTTP1: undefined });
    await fake.close();
  }
});

describe("authentication failures the fake detects", () => {
  test("a wrong secret fails signature verification", async () => {
    const fake = await startFakeBedrock({
      credentials: { ...KEYS, secretAccessKey: "a-different-secret-000000000000000000000" },
    });
    try {
      const { message } = await run(fake, ask("hi"));
      assert.match(
        message.errorMessage ?? "",
        /InvalidSignatureException|signature we calculated does not match/,
      );
      assert.equal(classifyFailure(message.errorMessage), "auth");
    } finally {
      await fake.close();
    }
  });

  test("another access key id is unrecognized", async () => {
    const fake = await startFakeBedrock({ credentials: { ...KEYS, accessKeyId: "AKIAOTHEREXAMPLE0002" } });
    try {
      const { message } = await run(fake, ask("hi"));
      assert.match(message.errorMessage ?? "", /security token included in the request is invalid/);
    } finally {
      await fake.close();
    }
  });

  test("a session token is signed along when the host has one", async () => {
    setAwsEnv({ AWS_SESSION_TOKEN: "FwoGZXIvYXdzEXAMPLESESSIONTOKEN" });
    const fake = await startFakeBedrock({
      credentials: { ...KEYS, sessionToken: "FwoGZXIvYXdzEXAMPLESESSIONTOKEN" },
    });
    try {
      const { end, message } = await run(fake, ask("hi"));
      assert.equal(end.type, "done", message.errorMessage);
      const req = fake.requests.at(-1)!;
      assert.ok(req.auth.scheme === "sigv4" && req.auth.sessionToken === "FwoGZXIvYXdzEXAMPLESESSIONTOKEN");
    } finally {
      setAwsEnv({ AWS_SESSION_TOKEN: undefined });
      await fake.close();
    }
  });

  test("AWS_BEARER_TOKEN_BEDROCK is sent as a Bedrock API key instead of a signature", async () => {
    setAwsEnv({ AWS_BEARER_TOKEN_BEDROCK: "bedrock-api-key-EXAMPLE" });
    const fake = await startFakeBedrock({ bearerToken: "bedrock-api-key-EXAMPLE" });
    try {
      const { end, message } = await run(fake, ask("hi"));
      assert.equal(end.type, "done", message.errorMessage);
      assert.equal(fake.requests.at(-1)!.auth.scheme, "bearer");
    } finally {
      setAwsEnv({ AWS_BEARER_TOKEN_BEDROCK: undefined });
      await fake.close();
    }
  });
});

describe("the fake's answers to requests the SDK would never send", () => {
  test("no Authorization header, or a conversation Bedrock rejects", async () => {
    const fake = await startFakeBedrock({ bearerToken: "bedrock-api-key-EXAMPLE" });
    try {
      const post = (headers: Record<string, string>, body: unknown) =>
        fetch(`${fake.baseUrl}/model/amazon.nova-pro-v1%3A0/converse-stream`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
      const user = { role: "user", content: [{ text: "hi" }] };
      const anonymous = await post({}, { messages: [user] });
      assert.equal(anonymous.status, 403);
      assert.match(anonymous.headers.get("x-amzn-errortype") ?? "", /^MissingAuthenticationTokenException:/);
      assert.deepEqual(await anonymous.json(), { message: "Missing Authentication Token" });

      const twice = await post(
        { authorization: "Bearer bedrock-api-key-EXAMPLE" },
        { messages: [user, user] },
      );
      assert.equal(twice.status, 400);
      assert.match(twice.headers.get("x-amzn-errortype") ?? "", /^ValidationException:/);
      assert.match(
        ((await twice.json()) as { message: string }).message,
        /must alternate between user and assistant/,
      );
      assert.equal(fake.requests.at(-1)?.modelId, "amazon.nova-pro-v1:0");
    } finally {
      await fake.close();
    }
  });
});
