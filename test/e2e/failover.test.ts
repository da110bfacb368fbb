import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import type { RecordedRequest, ScriptedReply } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { createTestHome, gatewayWithClient } from "../harness/gateway.ts";

/** Two profiles for provider `fx` (fx:a first), and a second provider `fy` as the fallback model. */
async function failoverHome(baseUrl: string) {
  const home = await createTestHome({
    config: {
      models: {
        providers: {
          fx: { baseUrl, api: "openai-completions", models: [{ id: "m1" }] },
          fy: { baseUrl, api: "openai-completions", apiKey: "sk-y", models: [{ id: "m9" }] },
        },
      },
      auth: {
        profiles: {
          "fx:a": { provider: "fx", mode: "api_key" },
          "fx:b": { provider: "fx", mode: "api_key" },
        },
        order: { fx: ["fx:a", "fx:b"] },
      },
      agents: { defaults: { model: { primary: "fx/m1", fallbacks: ["fy/m9"] } } },
    },
  });
  const agentDir = path.join(home.stateDir, "agents/main/agent");
  await mkdir(agentDir, { recursive: true });
  const store = {
    version: 1,
    profiles: {
      "fx:a": { type: "api_key", provider: "fx", key: "sk-a" },
      "fx:b": { type: "api_key", provider: "fx", key: "sk-b" },
    },
  };
  await writeFile(path.join(agentDir, "auth-profiles.json"), `${JSON.stringify(store, null, 2)}\n`);
  return { home, authFile: path.join(agentDir, "auth-profiles.json") };
}

async function turn(client: GatewayClient, text: string): Promise<Record<string, unknown>> {
  return (await chatTurn(client, text)).payload;
}

function byKey(replies: Record<string, ScriptedReply>) {
  return (req: RecordedRequest): ScriptedReply =>
    replies[req.apiKey ?? ""] ?? { kind: "text", text: `answered with ${req.apiKey}` };
}

const text = (ev: Record<string, unknown>): string | undefined =>
  (ev["message"] as { content: { text?: string }[] } | undefined)?.content[0]?.text;

test("a 429 on the first profile moves to the second, records the cooldown, and the next turn skips it", async (t) => {
  const llm = await startFakeOpenAI();
  llm.setDefault(byKey({ "sk-a": { kind: "error", status: 429, retryAfterSeconds: 30 } }));
  const { home, authFile } = await failoverHome(llm.baseUrl);
  const { gw, client } = await gatewayWithClient(t, { home }, llm);

  const before = Date.now();
  const first = await turn(client, "first question");
  assert.equal(text(first), "answered with sk-b");
  assert.deepEqual(
    llm.requests.map((r) => r.apiKey),
    ["sk-a", "sk-b"],
  );

  const store = JSON.parse(await readFile(authFile, "utf8"));
  const a = store.usageStats["fx:a"];
  assert.equal(a.errorCount, 1);
  assert.deepEqual(a.failureCounts, { rate_limit: 1 });
  assert.ok(a.lastFailureAt >= before);
  assert.equal(a.cooldownUntil - a.lastFailureAt, 60_000, "first cooldown step is one minute");
  assert.equal(store.usageStats["fx:b"].errorCount, 0);
  assert.equal(store.lastGood.fx, "fx:b");
  assert.deepEqual(Object.keys(store.profiles), ["fx:a", "fx:b"], "profiles are untouched");

  const history = await client.request<{
    messages: { role: string; stopReason?: string; errorMessage?: string }[];
  }>("chat.history", { sessionKey: "main" });
  assert.deepEqual(
    history.messages.map((m) => `${m.role}:${m.stopReason ?? ""}`),
    ["user:", "assistant:error", "assistant:stop"],
    "the failed attempt is kept in the transcript, as OpenClaw keeps it",
  );
  assert.match(gw.output(), /model attempt failed; trying the next candidate/);

  const second = await turn(client, "second question");
  assert.equal(text(second), "answered with sk-b");
  assert.deepEqual(
    llm.requests.slice(2).map((r) => r.apiKey),
    ["sk-b"],
    "the cooling profile is not tried",
  );
});

test("when every profile of a model fails, the fallback model answers", async (t) => {
  const llm = await startFakeOpenAI();
  llm.setDefault(byKey({ "sk-a": { kind: "error", status: 429 }, "sk-b": { kind: "error", status: 401 } }));
  const { home, authFile } = await failoverHome(llm.baseUrl);
  const { client } = await gatewayWithClient(t, { home }, llm);
  const ev = await turn(client, "anyone there?");
  assert.equal(text(ev), "answered with sk-y");
  assert.deepEqual(
    llm.requests.map((r) => [r.apiKey, r.body.model]),
    [
      ["sk-a", "m1"],
      ["sk-b", "m1"],
      ["sk-y", "m9"],
    ],
  );
  const store = JSON.parse(await readFile(authFile, "utf8"));
  assert.deepEqual(store.usageStats["fx:a"].failureCounts, { rate_limit: 1 });
  assert.deepEqual(store.usageStats["fx:b"].failureCounts, { auth: 1 });

  llm.setDefault({ kind: "error", status: 500 });
  const all = await turn(client, "and now?");
  assert.equal(all["state"], "error");
  assert.match(String(all["errorMessage"]), /^All models failed \(\d+\): /);
});

test("a billing failure disables the profile for 5 h; a rejected request cools nothing down", async (t) => {
  const llm = await startFakeOpenAI();
  llm.setDefault(
    byKey({
      "sk-a": {
        kind: "error",
        status: 429,
        message: "You exceeded your current quota, please check your plan and billing details.",
      },
    }),
  );
  const { home, authFile } = await failoverHome(llm.baseUrl);
  const { client } = await gatewayWithClient(t, { home }, llm);
  const ev = await turn(client, "bill me");
  assert.equal(text(ev), "answered with sk-b");
  const a = JSON.parse(await readFile(authFile, "utf8")).usageStats["fx:a"];
  assert.equal(a.disabledReason, "billing");
  assert.equal(a.disabledUntil - a.lastFailureAt, 5 * 60 * 60 * 1000);

  llm.setDefault({
    kind: "error",
    status: 400,
    message: "This model's maximum context length is 128000 tokens.",
  });
  const before = JSON.parse(await readFile(authFile, "utf8")).usageStats["fx:b"];
  const rejected = await turn(client, "too long");
  assert.equal(rejected["state"], "error");
  assert.equal(
    llm.requests.filter((r) => r.apiKey === "sk-y").length,
    0,
    "a content rejection is not retried elsewhere",
  );
  const after = JSON.parse(await readFile(authFile, "utf8")).usageStats["fx:b"];
  assert.deepEqual(after, before, "no cooldown for a request the provider rejected for its content");
});
