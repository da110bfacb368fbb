import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeAnthropic } from "../fakes/anthropic.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient } from "../harness/gateway.ts";

function openaiConfig(baseUrl: string, extra: Record<string, unknown> = {}) {
  return {
    ...fakeModelConfig(baseUrl, { models: [{ id: "r1", reasoning: true }, { id: "plain" }] }),
    ...extra,
  };
}

async function sessionEntry(stateDir: string): Promise<Record<string, unknown>> {
  const store = JSON.parse(await readFile(path.join(stateDir, "agents/main/sessions/sessions.json"), "utf8"));
  return store["agent:main:main"];
}

test("/think persists the session's level and the model request carries it; inline hints are one-shot", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const { gw, client } = await gatewayWithClient(t, { config: openaiConfig(llm.baseUrl) }, llm);

  await chatTurn(client, "first");
  assert.equal(llm.requests.at(-1)?.body.reasoning_effort, "low", "reasoning models default to low");

  const ack = await chatTurn(client, "/think high");
  assert.equal(ack.text, "Thinking level set to high.");
  assert.equal(llm.requests.length, 1, "a directive-only message never reaches the model");
  assert.equal((await sessionEntry(gw.home.stateDir))["thinkingLevel"], "high");

  await chatTurn(client, "think hard about herons");
  assert.equal(llm.requests.at(-1)?.body.reasoning_effort, "high");

  await chatTurn(client, "/t minimal what do herons eat?");
  const hinted = llm.requests.at(-1)!;
  assert.equal(hinted.body.reasoning_effort, "minimal");
  assert.match(llm.lastRequestText(), /what do herons eat\?/);
  assert.doesNotMatch(JSON.stringify(hinted.body.messages.at(-1)), /\/t minimal/, "the hint is stripped");
  assert.equal((await sessionEntry(gw.home.stateDir))["thinkingLevel"], "high", "a hint does not persist");

  await chatTurn(client, "and now?");
  assert.equal(llm.requests.at(-1)?.body.reasoning_effort, "high");

  // chat.send's own `thinking` parameter is a one-shot level too.
  const sent = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "with a parameter",
    thinking: "medium",
    idempotencyKey: randomUUID(),
  });
  await client.request("agent.wait", { runId: sent.runId });
  assert.equal(llm.requests.at(-1)?.body.reasoning_effort, "medium");
  assert.equal((await sessionEntry(gw.home.stateDir))["thinkingLevel"], "high");

  assert.equal((await chatTurn(client, "/think:off")).text, "Thinking disabled.");
  await chatTurn(client, "no thinking");
  assert.equal(llm.requests.at(-1)?.body.reasoning_effort, undefined);
});

test("bare and invalid directives show the level or a hint and change nothing; other directives ack", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const { gw, client } = await gatewayWithClient(t, { config: openaiConfig(llm.baseUrl) }, llm);
  assert.equal((await chatTurn(client, "/thinking medium")).text, "Thinking level set to medium.");
  const invalid = await chatTurn(client, "/think loudly");
  assert.equal(
    invalid.text,
    'Unrecognized thinking level "loudly". Valid levels: off, minimal, low, medium, high, xhigh.',
  );
  assert.match((await chatTurn(client, "/think")).text, /^Current thinking level: medium\./);
  assert.equal((await chatTurn(client, "/verbose on")).text, "Verbose logging enabled.");
  assert.equal((await chatTurn(client, "/v off")).text, "Verbose logging disabled.");
  assert.equal((await chatTurn(client, "/reasoning on")).text, "Reasoning visibility enabled.");
  const both = await chatTurn(client, "/think high /verbose full");
  assert.equal(both.text, "Thinking level set to high.\nVerbose logging set to full.");
  const elevated = await chatTurn(client, "/elevated on");
  assert.equal(elevated.text, "Elevated mode is not available: tools.elevated.enabled is off.");
  assert.match(
    (await chatTurn(client, "/status")).text,
    /Levels: think high · verbose full · reasoning on · elevated default/,
  );
  const entry = await sessionEntry(gw.home.stateDir);
  assert.equal(entry["thinkingLevel"], "high");
  assert.equal(entry["verboseLevel"], "full");
  assert.equal(entry["reasoningLevel"], "on");
  assert.equal(entry["elevatedLevel"], undefined);
  assert.equal(llm.requests.length, 0);
});

test("the thinking level reaches Anthropic as an extended-thinking budget; agents.defaults.thinkingDefault applies", async (t) => {
  const llm = await startFakeAnthropic({ reply: "ok" });
  const config = {
    models: {
      providers: {
        ant: {
          baseUrl: llm.baseUrl,
          api: "anthropic-messages",
          apiKey: "sk-ant-test",
          models: [{ id: "claude-test", reasoning: true, maxTokens: 32000 }],
        },
      },
    },
    agents: { defaults: { model: { primary: "ant/claude-test" }, thinkingDefault: "off" } },
  };
  const { client } = await gatewayWithClient(t, { config }, llm);
  await chatTurn(client, "hello");
  assert.notEqual(
    llm.requests.at(-1)?.body.thinking?.type,
    "enabled",
    "thinkingDefault off wins over the model",
  );
  await chatTurn(client, "/think high");
  await chatTurn(client, "think");
  const thinking = llm.requests.at(-1)?.body.thinking;
  assert.equal(thinking?.type, "enabled");
  assert.ok(thinking.budget_tokens > 0);
});

test("/debug overrides live in memory only; /config is the owner's and writes through the validated writer", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const config = openaiConfig(llm.baseUrl, { commands: { debug: true, config: true } });
  const { gw, client } = await gatewayWithClient(t, { config }, llm);
  const before = await readFile(gw.home.configPath, "utf8");
  const set = await chatTurn(client, "/debug set agents.defaults.model.primary=fake/plain");
  assert.match(set.text, /Debug override set: agents\.defaults\.model\.primary = fake\/plain/);
  await chatTurn(client, "which model?");
  assert.equal(llm.requests.at(-1)?.body.model, "plain", "the override applies to runs");
  assert.equal(await readFile(gw.home.configPath, "utf8"), before, "the file is untouched");
  assert.match((await chatTurn(client, "/debug show")).text, /"primary": "fake\/plain"/);
  assert.equal((await chatTurn(client, "/debug reset")).text, "⚙️ Debug overrides cleared.");
  await chatTurn(client, "and now?");
  assert.equal(llm.requests.at(-1)?.body.model, "r1");

  const bad = await chatTurn(client, "/config set agents.defaults.timeoutSeconds=-5");
  assert.match(bad.text, /^⚠️ Config not changed/);
  assert.equal(await readFile(gw.home.configPath, "utf8"), before);
  const ok = await chatTurn(client, "/config set agents.defaults.timeoutSeconds=120");
  assert.equal(ok.text, "⚙️ Config updated: agents.defaults.timeoutSeconds = 120");
  assert.equal(JSON.parse(await readFile(gw.home.configPath, "utf8")).agents.defaults.timeoutSeconds, 120);
  assert.equal(
    (await chatTurn(client, "/config get agents.defaults.timeoutSeconds")).text,
    "agents.defaults.timeoutSeconds = 120",
  );
  assert.match(
    (await chatTurn(client, "/config get models.providers.fake.apiKey")).text,
    /^models\.providers\.fake\.apiKey = (?!sk-test$)/,
  );
});

test("/restart is refused with commands.restart false", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const config = openaiConfig(llm.baseUrl, { commands: { restart: false } });
  const { client } = await gatewayWithClient(t, { config }, llm);
  assert.equal(
    (await chatTurn(client, "/restart")).text,
    "⚠️ /restart is disabled (commands.restart: false).",
  );
  assert.equal(
    (await chatTurn(client, "/whoami")).text,
    "🧭 Identity\nChannel: webchat\nSender: gateway client (operator)",
  );
});

test("/restart restarts the gateway in-process", async (t) => {
  const llm = await startFakeOpenAI({ reply: "back" });
  const { gw, client } = await gatewayWithClient(t, { config: openaiConfig(llm.baseUrl) }, llm);
  assert.equal((await chatTurn(client, "/restart")).text, "⚙️ Restarting the gateway…");
  // Listening again after the restart began.
  await gw.waitForOutput(/restarting the server[\s\S]*listening on ws:/);
  const again = await gw.connect();
  t.after(() => again.close());
  assert.equal((await chatTurn(again, "still there?")).text, "back");
});
