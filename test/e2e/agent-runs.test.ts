import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { disposeGateway, gatewayWithClient, spawnGateway } from "../harness/gateway.ts";

function config(baseUrl: string) {
  return fakeModelConfig(baseUrl);
}

test("agent answers twice on one id (accepted, then final) and agent.wait reports the end", async (t) => {
  const llm = await startFakeOpenAI({ reply: "pong" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const agentEvents = collectEvents(client, "agent");
  let accepted: Record<string, unknown> | undefined;
  const final = await client.request<Record<string, unknown>>(
    "agent",
    { message: "ping", idempotencyKey: "a1" },
    { expectFinal: true, onAck: (p) => (accepted = p as Record<string, unknown>) },
  );
  assert.equal(accepted?.["status"], "accepted");
  assert.equal(accepted?.["runId"], final["runId"]);
  assert.equal(final["status"], "ok");
  assert.deepEqual((final["result"] as { payloads: { text: string }[] }).payloads, [{ text: "pong" }]);
  const phases = agentEvents.seen
    .map((e) => e.payload as { runId: string; stream: string; data: { phase?: string } })
    .filter((p) => p.runId === final["runId"] && p.stream === "lifecycle")
    .map((p) => p.data.phase);
  assert.deepEqual(phases, ["start", "end"]);
  const waited = await client.request<Record<string, unknown>>("agent.wait", {
    runId: final["runId"],
    timeoutMs: 1000,
  });
  assert.equal(waited["status"], "ok");

  // The same idempotency key does not run the turn again.
  const before = llm.requests.length;
  const again = await client.request<Record<string, unknown>>(
    "agent",
    { message: "ping", idempotencyKey: "a1" },
    { expectFinal: true },
  );
  assert.equal(again["runId"], final["runId"]);
  assert.equal(llm.requests.length, before);

  const cli = await gw.cli(["agent", "-m", "from the cli", "--json"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).reply, "pong");
});

test("chat.abort stops a streaming run; the session keeps working and survives a restart", async (t) => {
  const llm = await startFakeOpenAI({ reply: "done" });
  const gw = await spawnGateway({ config: config(llm.baseUrl) });
  let gw2: Awaited<ReturnType<typeof spawnGateway>> | undefined;
  // The restarted gateway must be gone before the shared home is removed (hooks run in order).
  t.after(async () => {
    await gw2?.stop();
    await disposeGateway(gw);
    await llm.close();
  });
  const client = await gw.connect();
  const chat = collectEvents(client, "chat");
  llm.enqueue({
    kind: "slow",
    text: "one two three four five six seven eight nine ten",
    delayMsPerChunk: 300,
  });
  const run = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "count slowly",
    idempotencyKey: "s1",
  });
  await chat.until((p) => p["runId"] === run.runId && p["state"] === "delta");
  const abort = await client.request<{ aborted: boolean }>("chat.abort", {
    sessionKey: "main",
    runId: run.runId,
  });
  assert.equal(abort.aborted, true);
  await chat.until((p) => p["runId"] === run.runId && p["state"] === "aborted");

  const next = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "still there?",
    idempotencyKey: "s2",
  });
  await chat.until((p) => p["runId"] === next.runId && p["state"] === "final");
  client.close();

  // A restart sees every acknowledged message.
  const home = gw.home;
  await gw.stop();
  gw2 = await spawnGateway({ home });
  const c2 = await gw2.connect();
  t.after(() => c2.close());
  const history = await c2.request<{
    messages: { role: string; content: { type: string; text?: string }[] }[];
  }>("chat.history", { sessionKey: "main" });
  const texts = history.messages.map((m) => `${m.role}:${m.content.map((c) => c.text ?? "").join("")}`);
  assert.ok(texts.some((x) => x.includes("count slowly")));
  assert.ok(texts.some((x) => x.includes("still there?")));
  assert.ok(texts.includes("assistant:done"));
});

test("kill -9 in the middle of a turn leaves the session files parseable and usable", async (t) => {
  const llm = await startFakeOpenAI({ reply: "recovered" });
  const gw = await spawnGateway({ config: config(llm.baseUrl) });
  let gw2: Awaited<ReturnType<typeof spawnGateway>> | undefined;
  // The restarted gateway must be gone before its home is removed (hooks run in order).
  t.after(async () => {
    await gw2?.stop();
    await gw.home.cleanup();
    await llm.close();
  });
  const client = await gw.connect();
  const chat = collectEvents(client, "chat");
  llm.enqueue({ kind: "hang" });
  await client.request("chat.send", {
    sessionKey: "main",
    message: "this turn will be cut",
    idempotencyKey: "k1",
  });
  await llm.nextRequest();
  await gw.kill9();
  void chat;

  const sessionsDir = path.join(gw.home.stateDir, "agents/main/sessions");
  const store = JSON.parse(await readFile(path.join(sessionsDir, "sessions.json"), "utf8"));
  const lines = (
    await readFile(path.join(sessionsDir, `${store["agent:main:main"].sessionId}.jsonl`), "utf8")
  )
    .trim()
    .split("\n");
  for (const l of lines) JSON.parse(l);
  assert.match(
    lines.at(-1)!,
    /this turn will be cut/,
    "the acknowledged user message was on disk before the model answered",
  );

  gw2 = await spawnGateway({ home: gw.home });
  const c2 = await gw2.connect();
  t.after(() => c2.close());
  const chat2 = collectEvents(c2, "chat");
  const run = await c2.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "again",
    idempotencyKey: "k2",
  });
  const final = await chat2.until((p) => p["runId"] === run.runId && p["state"] === "final");
  assert.equal((final["message"] as { content: { text: string }[] }).content[0]?.text, "recovered");
  assert.match(JSON.stringify(llm.requests.at(-1)?.body.messages), /this turn will be cut/);
});

test("agents.defaults.maxConcurrent caps turns across sessions", async (t) => {
  const llm = await startFakeOpenAI({ reply: "second" });
  const cfg = config(llm.baseUrl);
  const { client } = await gatewayWithClient(
    t,
    { config: { ...cfg, agents: { defaults: { ...cfg.agents.defaults, maxConcurrent: 1 } } } },
    llm,
  );
  const chat = collectEvents(client, "chat");
  llm.enqueue({ kind: "slow", text: "a b c d e", delayMsPerChunk: 100 });
  const a = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "agent:main:one",
    message: "first",
    idempotencyKey: "mc1",
  });
  await llm.nextRequest();
  const b = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "agent:main:two",
    message: "second",
    idempotencyKey: "mc2",
  });
  await chat.until((p) => p["runId"] === a.runId && p["state"] === "final");
  assert.equal(llm.requests.length, 1, "the other session's turn waited for the free slot");
  await chat.until((p) => p["runId"] === b.runId && p["state"] === "final");
  assert.equal(llm.requests.length, 2);
});
