import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AssistantMessageEvent, Context } from "@earendil-works/pi-ai";
import { OpenClawConfigSchema } from "../../src/config/schema.ts";
import { loadBuiltinCatalog, type ResolvedModel, resolveModel } from "../../src/models/catalog.ts";
import { classifyFailure } from "../../src/models/failure.ts";
import { codeAssistError, streamedError } from "../../src/models/gemini-cli/errors.ts";
import { thinkingFor } from "../../src/models/gemini-cli/request.ts";
import { sseData } from "../../src/models/gemini-cli/sse.ts";
import { streamUrl } from "../../src/models/gemini-cli/stream.ts";
import { type ModelRequestOptions, streamModel } from "../../src/models/stream.ts";
import { startFakeCodeAssist } from "../fakes/code-assist.ts";
import type { FakeLlm } from "../fakes/http-server.ts";

const TOKEN = "ya29.fake-access-token";
const PROJECT = "proj-onboarded-7";

async function geminiModel(id: string, baseUrl: string): Promise<ResolvedModel> {
  const config = OpenClawConfigSchema.parse({ models: { providers: { "google-gemini-cli": { baseUrl } } } });
  return resolveModel({ provider: "google-gemini-cli", model: id }, config);
}

async function run(
  model: ResolvedModel,
  context: Context,
  opts: Partial<ModelRequestOptions> = {},
): Promise<AssistantMessageEvent[]> {
  const stream = await streamModel(model, context, {
    apiKey: TOKEN,
    projectId: PROJECT,
    signal: AbortSignal.timeout(20_000),
    ...opts,
  });
  const events: AssistantMessageEvent[] = [];
  for await (const ev of stream) events.push(ev);
  return events;
}

const ask = (text: string): Context => ({
  systemPrompt: "You are terse.",
  messages: [{ role: "user", content: text, timestamp: 1 }],
});

describe("google-gemini-cli model turns against Cloud Code Assist", () => {
  let fake: FakeLlm;
  let model: ResolvedModel;
  before(async () => {
    fake = await startFakeCodeAssist({ acceptsToken: (t) => t === TOKEN, projectId: PROJECT });
    model = await geminiModel("gemini-2.5-pro", fake.baseUrl);
  });
  after(() => fake.close());

  test("the request is Gemini CLI's envelope: model, project, prompt id and the Gemini request", async () => {
    fake.enqueue({ kind: "text", text: "Herons wade." });
    await run(model, ask("Where do herons live?"), { sessionId: "sess-1", maxTokens: 1024 });
    const req = fake.requests.at(-1)!;
    assert.equal(req.url, "/v1internal:streamGenerateContent?alt=sse");
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.body.model, "gemini-2.5-pro");
    assert.equal(req.body.project, PROJECT);
    assert.match(req.body.user_prompt_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(req.body.request.systemInstruction, {
      role: "user",
      parts: [{ text: "You are terse." }],
    });
    assert.deepEqual(req.body.request.contents, [
      { role: "user", parts: [{ text: "Where do herons live?" }] },
    ]);
    assert.equal(req.body.request.generationConfig.maxOutputTokens, 1024);
    assert.equal(req.body.request.session_id, "sess-1");
    assert.equal(req.body.request.generationConfig.thinkingConfig, undefined, "no thinking unless asked");
  });

  test("streamed text becomes text events, a stop reason and usage", async () => {
    fake.enqueue({ kind: "text", text: "Herons wade in shallow water.", chunks: 3 });
    const events = await run(model, ask("Where?"));
    assert.deepEqual(
      events.map((e) => e.type),
      ["start", "text_start", "text_delta", "text_delta", "text_delta", "text_end", "done"],
    );
    const done = events.at(-1) as Extract<AssistantMessageEvent, { type: "done" }>;
    assert.equal(done.reason, "stop");
    assert.deepEqual(done.message.content, [{ type: "text", text: "Herons wade in shallow water." }]);
    assert.equal(done.message.api, "google-gemini-cli");
    assert.equal(done.message.provider, "google-gemini-cli");
    assert.ok(done.message.usage.input > 0 && done.message.usage.output > 0);
    assert.equal(done.message.usage.totalTokens, done.message.usage.input + done.message.usage.output);
    assert.match(done.message.responseId ?? "", /^[0-9a-f]{16}$/, "the traceId names the response");
  });

  test("a function call ends the turn with toolUse; its result goes back as a functionResponse", async () => {
    fake.enqueue({
      kind: "toolCalls",
      text: "Let me look.",
      calls: [{ name: "read", arguments: { path: "herons.md" } }],
    });
    const tools = [
      {
        name: "read",
        description: "Read a file",
        parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
      },
    ] as unknown as Context["tools"];
    const first = await run(model, { ...ask("Read herons.md"), tools });
    const declared = fake.requests.at(-1)!.body.request.tools;
    assert.equal(declared[0].functionDeclarations[0].name, "read");
    assert.deepEqual(declared[0].functionDeclarations[0].parametersJsonSchema.required, ["path"]);
    const done = first.at(-1) as Extract<AssistantMessageEvent, { type: "done" }>;
    assert.equal(done.reason, "toolUse");
    assert.deepEqual(
      first.map((e) => e.type).filter((t) => t.startsWith("toolcall")),
      ["toolcall_start", "toolcall_delta", "toolcall_end"],
    );
    const call = done.message.content.find((b) => b.type === "toolCall");
    assert.ok(call?.type === "toolCall");
    assert.equal(call.name, "read");
    assert.deepEqual(call.arguments, { path: "herons.md" });
    assert.ok(call.id, "Gemini 2.x sends no id; one is made up");

    fake.enqueue({ kind: "text", text: "It lists two herons." });
    const second = await run(model, {
      ...ask("Read herons.md"),
      tools,
      messages: [
        ...ask("Read herons.md").messages,
        done.message,
        {
          role: "toolResult",
          toolCallId: call.id,
          toolName: "read",
          content: [{ type: "text", text: "- Wendell\n- Gus" }],
          isError: false,
          timestamp: 2,
        },
      ],
    });
    assert.equal(second.at(-1)?.type, "done");
    const contents = fake.requests.at(-1)!.body.request.contents as { role: string; parts: unknown[] }[];
    assert.deepEqual(
      contents.map((c) => c.role),
      ["user", "model", "user"],
    );
    assert.deepEqual(contents[1]!.parts.at(-1), {
      functionCall: { name: "read", args: { path: "herons.md" } },
    });
    assert.deepEqual(contents[2]!.parts, [
      { functionResponse: { name: "read", response: { output: "- Wendell\n- Gus" } } },
    ]);
  });

  test("429 RESOURCE_EXHAUSTED is a lone error event that failover reads as a rate limit", async () => {
    fake.enqueue({ kind: "error", status: 429, retryAfterSeconds: 39 });
    const events = await run(model, ask("hi"));
    assert.deepEqual(
      events.map((e) => e.type),
      ["error"],
    );
    const err = (events[0] as Extract<AssistantMessageEvent, { type: "error" }>).error;
    assert.equal(err.stopReason, "error");
    assert.match(err.errorMessage ?? "", /^429 RESOURCE_EXHAUSTED: You have exhausted your capacity/);
    assert.equal(classifyFailure(err.errorMessage), "rate_limit");
  });

  test("a token the service refuses is a 401 that failover reads as auth (refresh path)", async () => {
    const events = await run(model, ask("hi"), { apiKey: "ya29.revoked" });
    const err = (events[0] as Extract<AssistantMessageEvent, { type: "error" }>).error;
    assert.match(err.errorMessage ?? "", /^401 UNAUTHENTICATED: /);
    assert.equal(classifyFailure(err.errorMessage), "auth");
  });

  test("without the profile's project the service refuses the call", async () => {
    const stream = await streamModel(model, ask("hi"), {
      apiKey: TOKEN,
      signal: AbortSignal.timeout(20_000),
    });
    const final = await stream.result();
    assert.match(final.errorMessage ?? "", /^403 PERMISSION_DENIED: Permission 'cloudaicompanion/);
    assert.equal(fake.requests.at(-1)!.body.project, undefined);
  });

  test("an abort ends the stream as aborted", async () => {
    fake.enqueue({ kind: "slow", text: "one two three four five six", delayMsPerChunk: 200 });
    const ac = new AbortController();
    const stream = await streamModel(model, ask("count"), {
      apiKey: TOKEN,
      projectId: PROJECT,
      signal: ac.signal,
    });
    const seen: string[] = [];
    for await (const ev of stream) {
      seen.push(ev.type);
      if (ev.type === "text_delta") ac.abort();
    }
    const final = await stream.result();
    assert.equal(final.stopReason, "aborted");
    assert.equal(seen.at(-1), "error");
  });

  test("thinking is asked for only when a level is set, as budget (2.x) or level (3)", async () => {
    fake.enqueue({ kind: "text", text: "ok" });
    await run(model, ask("think"), { reasoning: "low" });
    assert.deepEqual(fake.requests.at(-1)!.body.request.generationConfig.thinkingConfig, {
      includeThoughts: true,
      thinkingBudget: 2048,
    });
  });
});

describe("thinkingFor", () => {
  test("Gemini 3 Pro takes the nearest level it allows, preferring more thinking", async () => {
    const catalog = (await loadBuiltinCatalog("google-gemini-cli"))!;
    const pro = catalog["gemini-3-pro-preview"]!;
    assert.deepEqual(thinkingFor(pro, { reasoning: "medium" }), {
      includeThoughts: true,
      thinkingLevel: "HIGH",
    });
    assert.deepEqual(thinkingFor(pro, { reasoning: "minimal" }), {
      includeThoughts: true,
      thinkingLevel: "LOW",
    });
    const flash = catalog["gemini-3-flash-preview"]!;
    assert.deepEqual(thinkingFor(flash, { reasoning: "minimal" }), {
      includeThoughts: true,
      thinkingLevel: "MINIMAL",
    });
    assert.deepEqual(thinkingFor(flash, { reasoning: "xhigh" }), {
      includeThoughts: true,
      thinkingLevel: "HIGH",
    });
  });

  test("Gemini 2.5 takes a budget from its family's range, or the configured one", async () => {
    const catalog = (await loadBuiltinCatalog("google-gemini-cli"))!;
    assert.equal(thinkingFor(catalog["gemini-2.5-pro"]!, { reasoning: "xhigh" }).thinkingBudget, 32_768);
    assert.equal(thinkingFor(catalog["gemini-2.5-flash"]!, { reasoning: "high" }).thinkingBudget, 24_576);
    assert.equal(
      thinkingFor(catalog["gemini-2.5-flash"]!, { reasoning: "low", thinkingBudgets: { low: 999 } })
        .thinkingBudget,
      999,
    );
  });
});

describe("sseData", () => {
  async function* bytes(...pieces: string[]): AsyncGenerator<Uint8Array> {
    for (const p of pieces) yield new TextEncoder().encode(p);
  }
  const collect = async (...pieces: string[]) => {
    const out: string[] = [];
    for await (const d of sseData(bytes(...pieces))) out.push(d);
    return out;
  };

  test("CRLF frames split anywhere, including between CR and LF, give whole events", async () => {
    assert.deepEqual(await collect('data: {"a":', "1}\r", "\n\r\n", 'data: {"b":2}\r\n\r\n'), [
      '{"a":1}',
      '{"b":2}',
    ]);
  });

  test("multi-line data joins with newlines; comments and other fields are skipped", async () => {
    assert.deepEqual(await collect(": keep-alive\n", "event: x\nid: 7\ndata: one\ndata:two\n\n"), [
      "one\ntwo",
    ]);
  });

  test("an event cut off by the end of the body still counts; multibyte text survives chunking", async () => {
    const heron = new TextEncoder().encode("data: 鷺\n");
    async function* split(): AsyncGenerator<Uint8Array> {
      yield heron.slice(0, 7);
      yield heron.slice(7);
    }
    const out: string[] = [];
    for await (const d of sseData(split())) out.push(d);
    assert.deepEqual(out, ["鷺"]);
  });
});

describe("Code Assist errors and endpoint", () => {
  test("a body that is not Google's JSON is quoted with the status", () => {
    const err = codeAssistError(502, "<html>Bad Gateway</html>");
    assert.equal(err.message, "502: <html>Bad Gateway</html>");
    assert.equal(classifyFailure(err.message), "timeout");
  });

  test("an error sent as an SSE event after the stream began is recognised; a response is not", () => {
    const err = streamedError({
      error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" },
    });
    assert.equal(err?.message, "503 UNAVAILABLE: The model is overloaded.");
    assert.equal(streamedError({ response: { candidates: [] }, traceId: "ab" }), undefined);
  });

  test("RetryInfo's delay is kept", () => {
    const err = codeAssistError(
      429,
      JSON.stringify({
        error: {
          code: 429,
          message: "slow down",
          status: "RESOURCE_EXHAUSTED",
          details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "34.07s" }],
        },
      }),
    );
    assert.equal(err.retryAfterMs, 34_070);
    assert.equal(err.code, "RESOURCE_EXHAUSTED");
  });

  test("the built-in endpoint follows the sign-in's override; a configured baseUrl wins", async () => {
    const builtin = (await loadBuiltinCatalog("google-gemini-cli"))!["gemini-2.5-flash"]!;
    assert.equal(
      streamUrl(builtin, {}),
      "https://cloudcode-pa.googleapis.com/v1internal:streamGenerateContent?alt=sse",
    );
    const env = { OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_CODE_ASSIST_URL: "http://127.0.0.1:9/proxy/" };
    assert.equal(
      streamUrl(builtin, env),
      "http://127.0.0.1:9/proxy/v1internal:streamGenerateContent?alt=sse",
    );
    assert.equal(
      streamUrl({ baseUrl: "http://cfg.example" }, env),
      "http://cfg.example/v1internal:streamGenerateContent?alt=sse",
    );
  });
});

describe("built-in catalog supplement", () => {
  test("openai-codex/gpt-5.3-codex resolves alongside pi-ai's own Codex models", async () => {
    const codex = (await loadBuiltinCatalog("openai-codex"))!;
    assert.ok(codex["gpt-5.5"], "pi-ai's entries are still there");
    const m = await resolveModel(
      { provider: "openai-codex", model: "gpt-5.3-codex" },
      OpenClawConfigSchema.parse({}),
    );
    assert.equal(m.api, "openai-codex-responses");
    assert.equal(m.baseUrl, "https://chatgpt.com/backend-api");
    assert.equal(m.contextWindow, 272_000);
    assert.equal(m.maxTokens, 128_000);
  });

  test("google-gemini-cli models use the Code Assist API; a configured baseUrl redirects them", async () => {
    const builtin = await resolveModel(
      { provider: "google-gemini-cli", model: "gemini-3-pro-preview" },
      OpenClawConfigSchema.parse({}),
    );
    assert.equal(builtin.api, "google-gemini-cli");
    assert.equal(builtin.baseUrl, "https://cloudcode-pa.googleapis.com");
    const moved = await geminiModel("gemini-2.5-flash", "http://127.0.0.1:1");
    assert.equal(moved.baseUrl, "http://127.0.0.1:1");
    assert.equal(moved.contextWindow, 1_048_576);
  });
});
