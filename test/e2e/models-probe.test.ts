import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { FakeLlm } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { createTestHome, runCli, type TestHome } from "../harness/gateway.ts";

interface Probe {
  provider: string;
  modelRef: string;
  source: string;
  profileId?: string;
  ok: boolean;
  reason?: string;
  error?: string;
  latencyMs: number;
}

describe("models status --probe", () => {
  let llm: FakeLlm;
  let home: TestHome;
  let storePath: string;
  const store = {
    version: 1,
    profiles: {
      "fake:good": { type: "api_key", provider: "fake", key: "sk-good" },
      "fake:limited": { type: "api_key", provider: "fake", key: "sk-limited" },
      "fake:revoked": { type: "api_key", provider: "fake", key: "sk-revoked" },
    },
    usageStats: { "fake:limited": { cooldownUntil: Date.now() + 3_600_000, errorCount: 3 } },
  };

  before(async () => {
    llm = await startFakeOpenAI();
    // The provider's own answers per key: accepted, rate-limited, refused.
    llm.setDefault((req) =>
      req.apiKey === "sk-good"
        ? { kind: "text", text: "OK" }
        : req.apiKey === "sk-limited"
          ? { kind: "error", status: 429, retryAfterSeconds: 30 }
          : { kind: "error", status: 401 },
    );
    home = await createTestHome({
      config: {
        models: {
          providers: { fake: { baseUrl: llm.baseUrl, api: "openai-completions", models: [{ id: "m1" }] } },
        },
        agents: { defaults: { model: { primary: "fake/m1" } } },
      },
    });
    const agentDir = path.join(home.stateDir, "agents", "main", "agent");
    await mkdir(agentDir, { recursive: true });
    storePath = path.join(agentDir, "auth-profiles.json");
    await writeFile(storePath, JSON.stringify(store, null, 2));
  });
  after(async () => {
    await llm.close();
    await home.cleanup();
  });

  test("tries every profile of the model in use, cooling down or not, and says how each fared", async () => {
    const before = await readFile(storePath, "utf8");
    const r = await runCli(["models", "status", "--probe", "--json"], home.env);
    assert.equal(r.code, 0, r.stderr);
    const probes = (JSON.parse(r.stdout) as { probes: Probe[] }).probes;
    const byProfile = Object.fromEntries(probes.map((p) => [p.profileId, p]));
    assert.deepEqual(Object.keys(byProfile).sort(), ["fake:good", "fake:limited", "fake:revoked"]);
    assert.equal(byProfile["fake:good"]?.ok, true);
    assert.equal(byProfile["fake:good"]?.modelRef, "fake/m1");
    assert.deepEqual(
      [byProfile["fake:limited"]?.ok, byProfile["fake:limited"]?.reason],
      [false, "rate_limit"],
    );
    assert.deepEqual([byProfile["fake:revoked"]?.ok, byProfile["fake:revoked"]?.reason], [false, "auth"]);
    assert.ok(!r.stdout.includes("sk-good") && !r.stdout.includes("sk-revoked"), "no key is printed");
    assert.equal(await readFile(storePath, "utf8"), before, "a probe records no cooldown or usage");
    const keys = llm.requests.filter((q) => q.method === "POST").map((q) => q.apiKey);
    assert.deepEqual(keys.sort(), ["sk-good", "sk-limited", "sk-revoked"]);
  });

  test("--probe-profile narrows it to one credential, shown in the text report", async () => {
    const sent = llm.requests.length;
    const r = await runCli(["models", "status", "--probe", "--probe-profile", "fake:revoked"], home.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Probes \(1\)\n- fake:revoked -> fake\/m1: failed: auth \(.+\), \d+ ms/);
    assert.equal(llm.requests.length - sent, 1);
  });

  test("--check with --probe fails when no credential of the default model answered", async () => {
    const ok = await runCli(
      ["models", "status", "--probe", "--check", "--probe-profile", "fake:good"],
      home.env,
    );
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await runCli(
      ["models", "status", "--probe", "--check", "--probe-profile", "fake:revoked"],
      home.env,
    );
    assert.equal(bad.code, 1);
  });

  test("a bad flag value is a clear error", async () => {
    const r = await runCli(["models", "status", "--probe", "--probe-timeout", "soon"], home.env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--probe-timeout must be a positive whole number \(got soon\)/);
  });
});
