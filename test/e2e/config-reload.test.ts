import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { test } from "node:test";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn, collectEvents } from "../harness/events.ts";
import { disposeGateway, gatewayWithClient, spawnGateway } from "../harness/gateway.ts";

function config(baseUrl: string, model: string, extra: Record<string, unknown> = {}) {
  return {
    models: {
      providers: {
        fake: { baseUrl, api: "openai-completions", apiKey: "sk-test", models: [{ id: "m1" }, { id: "m2" }] },
      },
    },
    agents: { defaults: { model: { primary: `fake/${model}` } } },
    ...extra,
  };
}

async function turn(client: GatewayClient, text: string, key: string): Promise<Record<string, unknown>> {
  return (await chatTurn(client, text, { idempotencyKey: key })).payload;
}

test("hot reload: a model change applies to the next turn, an invalid edit is ignored", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl, "m1") }, llm);
  await turn(client, "first", "r1");
  assert.equal(llm.requests.at(-1)?.body.model, "m1");

  await writeFile(gw.home.configPath, JSON.stringify(config(llm.baseUrl, "m2"), null, 2));
  await gw.waitForOutput(/config changed/);
  await turn(client, "second", "r2");
  assert.equal(llm.requests.at(-1)?.body.model, "m2");

  const invalid = '{ gateway: { port: "not a port" } }';
  await writeFile(gw.home.configPath, invalid);
  await gw.waitForOutput(/config change ignored/);
  assert.match(gw.output(), /gateway\.port/);
  const third = await turn(client, "third", "r3");
  assert.equal(third["state"], "final", "the running config stays");
  assert.equal(llm.requests.at(-1)?.body.model, "m2");
  assert.equal(
    await readFile(gw.home.configPath, "utf8"),
    invalid,
    "the gateway never rewrites the user's file",
  );
});

test("config.patch merges with a base hash, refuses a stale one, and an auth change restarts in place", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const gw = await spawnGateway({ config: config(llm.baseUrl, "m1", { custom: { kept: true } }) });
  t.after(async () => {
    await disposeGateway(gw);
    await llm.close();
  });
  const client = await gw.connect();
  const got = await client.request<{ hash: string; warnings: { path: string }[] }>("config.get", {});
  assert.ok(got.warnings.some((w) => w.path === "custom"));

  await assert.rejects(
    client.request("config.patch", { raw: '{ logging: { level: "debug" } }' }),
    /requires baseHash/,
  );
  await assert.rejects(
    client.request("config.patch", { raw: '{ logging: { level: "debug" } }', baseHash: "0".repeat(64) }),
    /baseHash mismatch/,
  );
  await assert.rejects(
    client.request("config.patch", { raw: '{ gateway: { port: "x" } }', baseHash: got.hash }),
    (err: Error) => /gateway\.port/.test(err.message),
  );
  const patched = await client.request<{ hash: string }>("config.patch", {
    raw: '{ logging: { level: "debug" } }',
    baseHash: got.hash,
  });
  const file = JSON.parse(await readFile(gw.home.configPath, "utf8"));
  assert.equal(file.logging.level, "debug");
  assert.deepEqual(file.custom, { kept: true }, "unknown keys survive a write");
  assert.equal(file.agents.defaults.model.primary, "fake/m1");
  assert.equal(JSON.parse(await readFile(`${gw.home.configPath}.bak`, "utf8")).logging, undefined);

  // An auth change needs a restart (hybrid mode): done in place, clients are told, the new token works.
  const shutdown = collectEvents(client, "shutdown");
  await client.request("config.patch", {
    raw: '{ gateway: { auth: { token: "rotated-token-1" } } }',
    baseHash: patched.hash,
  });
  await shutdown.until(() => true);
  client.close();
  await gw.waitForOutput(/restarting the server[\s\S]*listening on/);
  await assert.rejects(gw.connect(), /gateway token mismatch/);
  const fresh = await gw.connect({ token: "rotated-token-1" });
  t.after(() => fresh.close());
  const health = await fresh.request<{ ok: boolean }>("health");
  assert.equal(health.ok, true);
});
