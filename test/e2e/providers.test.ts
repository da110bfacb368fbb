import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import { startFakeAnthropic } from "../fakes/anthropic.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import type { FakeLlm } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { disposeGateway, freePort, gatewayWithClient, spawnGateway } from "../harness/gateway.ts";

async function turn(
  client: GatewayClient,
  sessionKey: string,
  text: string,
): Promise<Record<string, unknown>> {
  return (await chatTurn(client, text, { sessionKey })).payload;
}

function finalText(ev: Record<string, unknown>): string | undefined {
  return (ev["message"] as { content: { text?: string }[] } | undefined)?.content[0]?.text;
}

test("custom providers speak all four wire formats, streamed, with their keys", async (t) => {
  const openai = await startFakeOpenAI({ reply: "from completions" });
  const responses = await startFakeOpenAI({ reply: "from responses" });
  const anthropic = await startFakeAnthropic({ reply: "from anthropic" });
  const google = await startFakeGoogle({ reply: "from google" });
  const fakes: FakeLlm[] = [openai, responses, anthropic, google];
  const providers = {
    pc: { baseUrl: openai.baseUrl, api: "openai-completions", apiKey: "sk-pc", models: [{ id: "m" }] },
    pr: { baseUrl: responses.baseUrl, api: "openai-responses", apiKey: "sk-pr", models: [{ id: "m" }] },
    pa: { baseUrl: anthropic.baseUrl, api: "anthropic-messages", apiKey: "sk-pa-key", models: [{ id: "m" }] },
    pg: { baseUrl: google.baseUrl, api: "google-generative-ai", apiKey: "pg-key", models: [{ id: "m" }] },
  };
  const gw = await spawnGateway({
    config: {
      models: { providers },
      agents: { list: Object.keys(providers).map((id, i) => ({ id, default: i === 0, model: `${id}/m` })) },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all(fakes.map((f) => f.close()));
  });
  const client = await gw.connect();
  t.after(() => client.close());
  const expected: [string, FakeLlm, string, string][] = [
    ["pc", openai, "from completions", "sk-pc"],
    ["pr", responses, "from responses", "sk-pr"],
    ["pa", anthropic, "from anthropic", "sk-pa-key"],
    ["pg", google, "from google", "pg-key"],
  ];
  for (const [agent, fake, reply, key] of expected) {
    const ev = await turn(client, `agent:${agent}:main`, `hello ${agent}`);
    assert.equal(ev["state"], "final", `${agent}: ${String(ev["errorMessage"])}`);
    assert.equal(finalText(ev), reply);
    assert.equal(fake.requests.at(-1)?.apiKey, key);
    assert.match(fake.lastRequestText(), new RegExp(`hello ${agent}`));
  }
});

test("a built-in provider uses its env key and honours a baseUrl override", async (t) => {
  const anthropic = await startFakeAnthropic({ reply: "built-in answer" });
  const { client } = await gatewayWithClient(
    t,
    {
      config: { models: { providers: { anthropic: { baseUrl: anthropic.baseUrl } } } },
      env: { ANTHROPIC_API_KEY: "sk-ant-api03-from-env" },
    },
    anthropic,
  );
  const ev = await turn(client, "main", "hi");
  assert.equal(finalText(ev), "built-in answer");
  const req = anthropic.requests.at(-1)!;
  assert.equal(req.apiKey, "sk-ant-api03-from-env");
  assert.equal(req.body.model, "claude-opus-4-6", "the documented default model");
});

test("rate limits, an unreachable API and a timeout each end the turn with an actionable error", async (t) => {
  const llm = await startFakeOpenAI();
  const deadPort = await freePort();
  const { client } = await gatewayWithClient(
    t,
    {
      config: {
        models: {
          providers: {
            up: { baseUrl: llm.baseUrl, api: "openai-completions", apiKey: "sk-up", models: [{ id: "m" }] },
            down: {
              baseUrl: `http://127.0.0.1:${deadPort}/v1`,
              api: "openai-completions",
              apiKey: "sk-down",
              models: [{ id: "m" }],
            },
          },
        },
        agents: {
          defaults: { timeoutSeconds: 2 },
          list: [
            { id: "main", default: true, model: "up/m" },
            { id: "dead", model: "down/m" },
          ],
        },
      },
    },
    llm,
  );

  llm.enqueue({ kind: "error", status: 429, retryAfterSeconds: 1 });
  const limited = await turn(client, "main", "one");
  assert.equal(limited["state"], "error");
  assert.match(String(limited["errorMessage"]), /rate limited/);

  const refused = await turn(client, "agent:dead:main", "two");
  assert.equal(refused["state"], "error");
  assert.match(
    String(refused["errorMessage"]),
    new RegExp(`could not reach the model API at http://127\\.0\\.0\\.1:${deadPort}/v1`),
  );

  llm.enqueue({ kind: "hang" });
  const slow = await turn(client, "main", "three");
  assert.equal(slow["state"], "error", "a timeout is a failure, not a user abort");
  assert.match(String(slow["errorMessage"]), /did not answer in time.*agents\.defaults\.timeoutSeconds/);

  const ok = await turn(client, "main", "four");
  assert.equal(finalText(ok), "ok", "the gateway keeps serving after every failure");
});
