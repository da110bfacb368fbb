import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn, collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient, spawnGateway } from "../harness/gateway.ts";

function config(baseUrl: string, extra: Record<string, unknown> = {}) {
  return fakeModelConfig(baseUrl, { models: [{ id: "m1" }, { id: "m2" }], defaults: extra });
}

async function say(
  client: GatewayClient,
  text: string,
): Promise<{ runId: string; state: string; text: string }> {
  return chatTurn(client, text);
}

test("/help, /status and /usage answer without a model call", async (t) => {
  const llm = await startFakeOpenAI({ reply: "hi" });
  const { client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const help = await say(client, "/help");
  assert.match(help.text, /\/new/);
  assert.match(help.text, /\/model/);
  await say(client, "hello");
  const status = await say(client, "/status");
  assert.match(status.text, /Model: fake\/m1/);
  assert.match(status.text, /Session: agent:main:main/);
  const usage = await say(client, "/usage");
  assert.match(
    usage.text,
    /^Usage \(1 model answers\): in [1-9]\d* · out [1-9]\d* · cache read 0 · cache write 0 tokens\nEstimated cost: \$\d+\.\d{4}/,
  );
  assert.equal(llm.requests.length, 1, "only the normal message reached the model");
});

test("/model lists numbered choices, switches this session by number or ref, and the choice survives a restart", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const list = await say(client, "/model");
  assert.match(list.text, /1\. fake\/m1/);
  assert.match(list.text, /2\. fake\/m2/);
  const set = await say(client, "/model 2");
  assert.match(set.text, /Model set to fake\/m2/);
  await say(client, "use the second");
  assert.equal(llm.requests.at(-1)?.body.model, "m2");
  const store = JSON.parse(
    await readFile(path.join(gw.home.stateDir, "agents/main/sessions/sessions.json"), "utf8"),
  );
  assert.equal(store["agent:main:main"].providerOverride, "fake");
  assert.equal(store["agent:main:main"].modelOverride, "m2");
  const status = await say(client, "/model status");
  assert.match(status.text, /Endpoint: http:\/\/127\.0\.0\.1:\d+\/v1 · api openai-completions/);

  client.close();
  await gw.stop();
  const again = await spawnGateway({ home: gw.home });
  t.after(() => again.stop());
  const c2 = await again.connect();
  t.after(() => c2.close());
  await say(c2, "after restart");
  assert.equal(llm.requests.at(-1)?.body.model, "m2", "the session keeps its model across restarts");
  assert.match((await say(c2, "/model default")).text, /reset to the default, fake\/m1/);
  await say(c2, "back to default");
  assert.equal(llm.requests.at(-1)?.body.model, "m1");
});

test("with an allowlist, a model outside it gets the FAQ's refusal", async (t) => {
  const llm = await startFakeOpenAI();
  const { client } = await gatewayWithClient(
    t,
    { config: config(llm.baseUrl, { models: { "fake/m1": { alias: "one" } } }) },
    llm,
  );
  const refused = await say(client, "/model fake/m2");
  assert.equal(refused.text, 'Model "fake/m2" is not allowed. Use /model to list available models.');
  const byAlias = await say(client, "/model one");
  assert.match(byAlias.text, /Model set to fake\/m1/);
});

test("/new starts a new session id and keeps the old transcript; /new <text> also sends the text", async (t) => {
  const llm = await startFakeOpenAI({ reply: "fresh" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  await say(client, "remember the herons");
  const dir = path.join(gw.home.stateDir, "agents/main/sessions");
  const before = JSON.parse(await readFile(path.join(dir, "sessions.json"), "utf8"))["agent:main:main"]
    .sessionId;
  const reply = await say(client, "/new");
  assert.match(reply.text, /New session started/);
  const after = JSON.parse(await readFile(path.join(dir, "sessions.json"), "utf8"))["agent:main:main"]
    .sessionId;
  assert.notEqual(after, before);
  assert.ok(
    (await readdir(dir)).some((f) => f.startsWith(`${before}.jsonl.reset.`)),
    "the old transcript stays on disk",
  );
  const history = await client.request<{ messages: unknown[] }>("chat.history", { sessionKey: "main" });
  assert.equal(history.messages.length, 0);

  const withText = await say(client, "/new what do herons eat?");
  assert.equal(withText.text, "fresh");
  assert.match(llm.lastRequestText(), /what do herons eat\?/);
  assert.doesNotMatch(llm.lastRequestText(), /remember the herons/, "the new session starts empty");
});

test("/stop aborts the running turn at once, without waiting behind it", async (t) => {
  const llm = await startFakeOpenAI({ reply: "next" });
  const { client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  llm.enqueue({ kind: "slow", text: "a b c d e f g h i j k l m n o p", delayMsPerChunk: 300 });
  const chat = collectEvents(client, "chat");
  const slow = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "talk slowly",
    idempotencyKey: "slow-1",
  });
  await chat.until((p) => p["runId"] === slow.runId && p["state"] === "delta");
  const stop = await say(client, "/stop");
  assert.equal(stop.text, "⚙️ Agent was aborted.");
  await chat.until((p) => p["runId"] === slow.runId && p["state"] === "aborted");
  assert.equal((await say(client, "/stop")).text, "No active run to stop.");
  assert.equal((await say(client, "still there?")).text, "next");
});

test("a session last used before today's 04:00 reset starts over on the next message", async (t) => {
  const llm = await startFakeOpenAI({ reply: "good morning" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  await say(client, "yesterday's chat");
  const dir = path.join(gw.home.stateDir, "agents/main/sessions");
  const file = path.join(dir, "sessions.json");
  const store = JSON.parse(await readFile(file, "utf8"));
  const old = store["agent:main:main"].sessionId;
  store["agent:main:main"].updatedAt = Date.now() - 2 * 24 * 60 * 60 * 1000; // two days ago
  await writeFile(file, JSON.stringify(store, null, 2));

  await say(client, "a new day");
  const fresh = JSON.parse(await readFile(file, "utf8"))["agent:main:main"].sessionId;
  assert.notEqual(fresh, old);
  assert.ok(
    (await readdir(dir)).some((f) => f.startsWith(`${old}.jsonl.reset.`)),
    "the old transcript stays on disk",
  );
  assert.doesNotMatch(llm.lastRequestText(), /yesterday's chat/);
});

test("an abort word stops a busy run; a NO_REPLY answer shows nothing", async (t) => {
  const llm = await startFakeOpenAI({ reply: "NO_REPLY" });
  const { client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  llm.enqueue({
    kind: "slow",
    text: "one two three four five six seven eight nine ten",
    delayMsPerChunk: 300,
  });
  const chat = collectEvents(client, "chat");
  const slow = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "go on",
    idempotencyKey: "w1",
  });
  await chat.until((p) => p["runId"] === slow.runId && p["state"] === "delta");
  assert.equal((await say(client, "Stop!")).text, "⚙️ Agent was aborted.");
  await chat.until((p) => p["runId"] === slow.runId && p["state"] === "aborted");

  const silent = await say(client, "just listen");
  assert.equal(silent.state, "final");
  assert.equal(silent.text, "", "a silent answer has nothing to show");
  const history = await client.request<{ messages: { role: string; content: { text?: string }[] }[] }>(
    "chat.history",
    { sessionKey: "main" },
  );
  assert.ok(
    history.messages.every((m) => m.content.every((c) => c.text !== "NO_REPLY")),
    "history hides it too",
  );
});
