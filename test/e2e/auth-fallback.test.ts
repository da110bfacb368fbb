// reference-agent §6.5: every agent falls back to the `main` agent's auth profiles, including a
// default agent that is not `main`.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { createTestHome, gatewayWithClient } from "../harness/gateway.ts";

test("a default agent other than main uses main's stored key when it has none of its own", async (t) => {
  const llm = await startFakeOpenAI({ apiKey: "sk-main-profile", reply: "answered with main's key" });
  const home = await createTestHome({
    config: {
      models: {
        providers: { fake: { baseUrl: llm.baseUrl, api: "openai-completions", models: [{ id: "m1" }] } },
      },
      agents: { defaults: { model: { primary: "fake/m1" } }, list: [{ id: "work", default: true }] },
    },
  });
  const mainDir = path.join(home.stateDir, "agents", "main", "agent");
  await mkdir(mainDir, { recursive: true });
  await writeFile(
    path.join(mainDir, "auth-profiles.json"),
    JSON.stringify({
      version: 1,
      profiles: { "fake:default": { type: "api_key", provider: "fake", key: "sk-main-profile" } },
    }),
  );
  const { client } = await gatewayWithClient(t, { home }, llm);
  const turn = await chatTurn(client, "hello", { sessionKey: "agent:work:main" });
  assert.equal(turn.text, "answered with main's key");
  assert.equal(llm.requests.at(-1)?.apiKey, "sk-main-profile");
});
