import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeMistral } from "../fakes/mistral.ts";
import { chatTurn, collectEvents } from "../harness/events.ts";
import { createTestHome, gatewayWithClient } from "../harness/gateway.ts";

// Built-in ids from pi-ai's `mistral` catalog (api `mistral-conversations`).
const LARGE = "mistral-large-latest";
const SMALL = "mistral-small-latest";
const KEY = "mistral-e2e-key-0001";

function mistralConfig(baseUrl: string, fallbacks: string[] = []) {
  return {
    models: { providers: { mistral: { baseUrl } } },
    agents: { defaults: { model: { primary: `mistral/${LARGE}`, fallbacks } } },
  };
}

test("a built-in Mistral model streams its answer through a baseUrl override, keyed from MISTRAL_API_KEY", async (t) => {
  const mistral = await startFakeMistral({ apiKey: KEY });
  mistral.setDefault({ kind: "text", text: "Le mistral souffle du nord.", chunks: 3 });
  const { client } = await gatewayWithClient(
    t,
    { config: mistralConfig(mistral.baseUrl), env: { MISTRAL_API_KEY: KEY } },
    mistral,
  );
  const chat = collectEvents(client, "chat");

  const end = await chatTurn(client, "Which wind blows down the Rhône?");

  assert.equal(end.state, "final", JSON.stringify(end.payload));
  assert.equal(end.text, "Le mistral souffle du nord.");
  const deltas = chat.seen.filter((e) => (e.payload as Record<string, unknown>)["state"] === "delta");
  assert.ok(deltas.length >= 2, `the answer streams in several deltas (saw ${deltas.length})`);
  const req = mistral.requests[0]!;
  assert.equal(req.path, "/v1/chat/completions");
  assert.equal(req.apiKey, KEY);
  assert.equal(req.body.model, LARGE);
  assert.equal(req.body.stream, true);
  assert.match(mistral.lastRequestText(), /Which wind blows down the Rhône\?/);
  assert.match(mistral.lastRequestText(), /You are a personal assistant running inside OpenClaw/);
});

test("a Mistral tool call reads a workspace file and the result goes back under Mistral's id", async (t) => {
  const mistral = await startFakeMistral({ apiKey: KEY });
  const home = await createTestHome({
    config: mistralConfig(mistral.baseUrl),
    env: { MISTRAL_API_KEY: KEY },
  });
  await mkdir(path.join(home.stateDir, "workspace"), { recursive: true });
  await writeFile(path.join(home.stateDir, "workspace", "TIDES.md"), "High tide at 14:05.\n");
  const { client } = await gatewayWithClient(t, { home }, mistral);

  mistral.enqueue(
    { kind: "toolCalls", calls: [{ id: "Rd7TidEs1", name: "read", arguments: { path: "TIDES.md" } }] },
    { kind: "text", text: "High tide is at 14:05." },
  );
  const end = await chatTurn(client, "when is high tide?");

  assert.equal(end.state, "final", JSON.stringify(end.payload));
  assert.equal(end.text, "High tide is at 14:05.");
  assert.equal(mistral.requests.length, 2);
  const [ask, answer] = mistral.requests.map((r) => r.body);
  assert.ok(
    ask.tools.some((tool: { function: { name: string } }) => tool.function.name === "read"),
    "the read tool is offered",
  );
  const call = answer.messages.find((m: { role: string }) => m.role === "assistant").tool_calls[0];
  assert.equal(call.id, "Rd7TidEs1");
  assert.equal(call.function.name, "read");
  assert.deepEqual(JSON.parse(call.function.arguments), { path: "TIDES.md" });
  const result = answer.messages.at(-1);
  assert.equal(result.role, "tool");
  assert.equal(result.tool_call_id, "Rd7TidEs1");
  assert.match(JSON.stringify(result.content), /High tide at 14:05/);
});

test("when Mistral rate-limits the primary model, the fallback model answers", async (t) => {
  const mistral = await startFakeMistral({ apiKey: KEY });
  mistral.setDefault((req) =>
    req.body?.model === LARGE
      ? { kind: "error", status: 429 }
      : { kind: "text", text: `answered by ${String(req.body?.model)}` },
  );
  const { gw, client } = await gatewayWithClient(
    t,
    { config: mistralConfig(mistral.baseUrl, [`mistral/${SMALL}`]), env: { MISTRAL_API_KEY: KEY } },
    mistral,
  );

  const end = await chatTurn(client, "anyone free?");

  assert.equal(end.state, "final", JSON.stringify(end.payload));
  assert.equal(end.text, `answered by ${SMALL}`);
  const models = mistral.requests.map((r) => r.body.model);
  assert.equal(models[0], LARGE, "the primary is tried first");
  assert.equal(models.at(-1), SMALL);
  assert.match(gw.output(), /model attempt failed; trying the next candidate/);
});
