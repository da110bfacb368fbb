import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { collectEvents } from "../harness/events.ts";
import { FIXTURE_STATE, gatewayWithClient } from "../harness/gateway.ts";

function customProvider(baseUrl: string, api = "openai-completions") {
  return {
    models: {
      providers: { fake: { baseUrl, api, apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] } },
    },
    agents: { defaults: { model: { primary: "fake/m1" } } },
  };
}

test("chat.send streams the model's answer as chat events and records both messages", async (t) => {
  const llm = await startFakeOpenAI();
  llm.setDefault({ kind: "text", text: "Herons wade in shallow water.", chunks: 3 });
  const { gw, client } = await gatewayWithClient(t, { config: customProvider(llm.baseUrl) }, llm);
  const chat = collectEvents(client, "chat");

  const ack = await client.request<{ runId: string; status: string }>("chat.send", {
    sessionKey: "agent:main:main",
    message: "Where do herons live?",
    idempotencyKey: "k1",
  });
  assert.equal(ack.status, "started");
  const final = await chat.until((p) => p["runId"] === ack.runId && p["state"] === "final");
  const deltas = chat.seen
    .map((e) => e.payload as Record<string, unknown>)
    .filter((p) => p["state"] === "delta");
  assert.ok(deltas.length >= 2, "the answer streams in several deltas");
  const lastDelta = deltas.at(-1)?.["message"] as { content: { text: string }[] };
  assert.equal(lastDelta.content[0]?.text, "Herons wade in shallow water.");
  assert.equal(
    (final["message"] as { content: { text: string }[] }).content[0]?.text,
    "Herons wade in shallow water.",
  );

  const req = llm.requests[0]!;
  assert.equal(req.apiKey, "sk-test-key");
  assert.match(llm.lastRequestText(), /Where do herons live\?/);
  assert.match(llm.lastRequestText(), /You are a personal assistant running inside OpenClaw/);

  const history = await client.request<{ messages: { role: string }[] }>("chat.history", {
    sessionKey: "agent:main:main",
  });
  assert.deepEqual(
    history.messages.map((m) => m.role),
    ["user", "assistant"],
  );
  // The answer reaches the client before the session index is updated; agent.wait covers both.
  await client.request("agent.wait", { runId: ack.runId });
  const sessionsDir = path.join(gw.home.stateDir, "agents/main/sessions");
  const store = JSON.parse(await readFile(path.join(sessionsDir, "sessions.json"), "utf8"));
  const entry = store["agent:main:main"];
  assert.equal(entry.modelProvider, "fake");
  const files = await readdir(sessionsDir);
  assert.ok(files.includes(`${entry.sessionId}.jsonl`));
  // Our entries carry the fields of a 2026.2.26 sessions.json entry (the drop-in fixture's).
  const fixtureStore = JSON.parse(
    await readFile(path.join(FIXTURE_STATE, "agents/main/sessions/sessions.json"), "utf8"),
  );
  assert.deepEqual(
    Object.keys(entry).sort(),
    Object.keys(fixtureStore["agent:main:main"])
      .filter(
        (k) =>
          k !== "authProfileOverride" &&
          k !== "authProfileOverrideSource" &&
          k !== "authProfileOverrideCompactionCount",
      )
      .sort(),
  );
  assert.deepEqual(
    Object.keys(entry.systemPromptReport).sort(),
    Object.keys(fixtureStore["agent:main:main"].systemPromptReport).sort(),
  );
  const lines = (await readFile(path.join(sessionsDir, `${entry.sessionId}.jsonl`), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(lines[0].type, "session");
  assert.equal(lines[0].version, 3);
  assert.deepEqual(
    lines.map((l) => (l.type === "custom" ? `custom:${l.customType}` : l.type)),
    ["session", "model_change", "thinking_level_change", "custom:model-snapshot", "message", "message"],
    "the same opening entries as a 2026.2.26 transcript",
  );
  for (const e of lines.slice(1)) {
    assert.match(e.id, /^[0-9a-f]{8}$/);
    assert.ok("parentId" in e);
  }
});

test("a provider failure becomes a chat error event the user can act on, and the gateway keeps serving", async (t) => {
  const llm = await startFakeOpenAI();
  const { client } = await gatewayWithClient(t, { config: customProvider(llm.baseUrl) }, llm);
  const chat = collectEvents(client, "chat");

  llm.enqueue({ kind: "error", status: 401 });
  const a = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "hi",
    idempotencyKey: "e1",
  });
  const e401 = await chat.until((p) => p["runId"] === a.runId && p["state"] === "error");
  assert.match(String(e401["errorMessage"]), /rejected the credentials/);

  llm.enqueue({ kind: "error", status: 500 });
  const b = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "again",
    idempotencyKey: "e2",
  });
  const e500 = await chat.until((p) => p["runId"] === b.runId && p["state"] === "error");
  assert.match(String(e500["errorMessage"]), /server-side error/);

  const c = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "third",
    idempotencyKey: "e3",
  });
  const ok = await chat.until((p) => p["runId"] === c.runId && p["state"] === "final");
  assert.equal((ok["message"] as { content: { text: string }[] }).content[0]?.text, "ok");
});
