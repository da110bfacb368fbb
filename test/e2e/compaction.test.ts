import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import type { RecordedRequest } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn, collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient, spawnGateway } from "../harness/gateway.ts";

const isSummaryRequest = (req: RecordedRequest): boolean =>
  JSON.stringify(req.body).includes("You summarize a conversation");

function config(baseUrl: string, contextWindow = 128_000, extra: Record<string, unknown> = {}) {
  return fakeModelConfig(baseUrl, { models: [{ id: "m1", contextWindow }], defaults: extra });
}

async function say(client: GatewayClient, text: string): Promise<string> {
  const end = await chatTurn(client, text);
  return end.text || String(end.payload["errorMessage"]);
}

async function transcriptTypes(stateDir: string): Promise<string[]> {
  const dir = path.join(stateDir, "agents/main/sessions");
  const store = JSON.parse(await readFile(path.join(dir, "sessions.json"), "utf8"));
  const lines = (await readFile(path.join(dir, `${store["agent:main:main"].sessionId}.jsonl`), "utf8"))
    .trim()
    .split("\n");
  return lines.map((l) => JSON.parse(l).type);
}

test("/compact summarizes older turns; later requests carry the summary, also after a restart", async (t) => {
  const llm = await startFakeOpenAI();
  llm.setDefault((req) => ({
    kind: "text",
    text: isSummaryRequest(req) ? "SUMMARY: the user counts herons named Wendell." : "ok",
  }));
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  await say(client, "first turn: my heron is called Wendell");
  await say(client, "second turn: he lives at the north marsh");
  await say(client, "third turn: there are two juveniles");
  const reply = await say(client, "/compact keep heron names");
  assert.match(reply, /^🧹 Compacted \d+ older messages/);
  const summaryReq = llm.requests.find(isSummaryRequest)!;
  assert.match(JSON.stringify(summaryReq.body), /Focus: keep heron names/);
  assert.ok((await transcriptTypes(gw.home.stateDir)).includes("compaction"));

  await say(client, "what is my heron called?");
  const sent = JSON.stringify(llm.requests.at(-1)?.body.messages);
  assert.match(sent, /SUMMARY: the user counts herons named Wendell/);
  assert.doesNotMatch(sent, /first turn: my heron is called Wendell/, "summarized turns are not re-sent");
  assert.match(sent, /third turn: there are two juveniles/, "recent turns are kept verbatim");
  const store = JSON.parse(
    await readFile(path.join(gw.home.stateDir, "agents/main/sessions/sessions.json"), "utf8"),
  );
  assert.equal(store["agent:main:main"].compactionCount, 1);

  client.close();
  await gw.stop();
  const again = await spawnGateway({ home: gw.home });
  t.after(() => again.stop());
  const c2 = await again.connect();
  t.after(() => c2.close());
  await say(c2, "after restart");
  assert.match(JSON.stringify(llm.requests.at(-1)?.body.messages), /SUMMARY: the user counts herons/);
});

test("a small context window triggers compaction before the turn, without losing the turn", async (t) => {
  const llm = await startFakeOpenAI();
  llm.setDefault((req) => ({
    kind: "text",
    text: isSummaryRequest(req) ? "SUMMARY: earlier chat about herons." : "ok",
  }));
  const { client } = await gatewayWithClient(
    t,
    { config: config(llm.baseUrl, 6000, { compaction: { keepRecentTokens: 100 } }) },
    llm,
  );
  const agentEvents = collectEvents(client, "agent");
  const long = "heron ".repeat(1500); // ~9 KB: the prompt outgrows the window's half quickly
  await say(client, `one ${long}`);
  await say(client, `two ${long}`);
  const third = await say(client, "three: short question");
  assert.equal(third, "ok");
  assert.ok(llm.requests.some(isSummaryRequest), "a summary was requested");
  const last = JSON.stringify(llm.requests.at(-1)?.body.messages);
  assert.match(last, /SUMMARY: earlier chat about herons/);
  assert.match(last, /three: short question/);
  assert.ok(
    agentEvents.seen.some((e) => (e.payload as { stream: string }).stream === "compaction"),
    "observers see the compaction",
  );
});
