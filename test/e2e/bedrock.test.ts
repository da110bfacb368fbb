import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeBedrock } from "../fakes/bedrock.ts";
import { chatTurn } from "../harness/events.ts";
import { createTestHome, gatewayWithClient, runCli } from "../harness/gateway.ts";

// The AWS SDK must never look past the fake: no instance metadata lookups, no real endpoint.
const NO_IMDS = { AWS_EC2_METADATA_DISABLED: "true" };
const KEYS = {
  accessKeyId: "AKIAE2EEXAMPLE000001",
  secretAccessKey: "e2e/Secret+Access/Key0000000000000000000",
};
const BUILTIN = "amazon-bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0";

test("AWS keys in the environment reach a built-in Bedrock model through a baseUrl override, tools included", async (t) => {
  const bedrock = await startFakeBedrock({ credentials: KEYS, region: "eu-central-1" });
  const home = await createTestHome({
    config: {
      models: { providers: { "amazon-bedrock": { baseUrl: bedrock.baseUrl } } },
      agents: { defaults: { model: { primary: BUILTIN } } },
    },
    env: {
      ...NO_IMDS,
      AWS_ACCESS_KEY_ID: KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
      AWS_REGION: "eu-central-1",
    },
  });
  await mkdir(path.join(home.stateDir, "workspace"), { recursive: true });
  await writeFile(path.join(home.stateDir, "workspace", "TIDES.md"), "High tide at 14:05.\n");
  const { client } = await gatewayWithClient(t, { home }, bedrock);

  bedrock.enqueue(
    { kind: "toolCalls", calls: [{ name: "read", arguments: { path: "TIDES.md" } }] },
    { kind: "text", text: "High tide is at 14:05." },
  );
  const end = await chatTurn(client, "when is high tide?");
  assert.equal(end.state, "final", JSON.stringify(end.payload));
  assert.equal(end.text, "High tide is at 14:05.");

  assert.equal(bedrock.requests.length, 2);
  for (const req of bedrock.requests) {
    assert.equal(req.modelId, "anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert.ok(req.auth.scheme === "sigv4", "signed, not keyed");
    assert.equal(req.auth.sigv4.accessKeyId, KEYS.accessKeyId);
    assert.equal(req.auth.sigv4.region, "eu-central-1");
  }
  const [ask, answer] = bedrock.requests.map((r) => r.body);
  assert.match(JSON.stringify(ask.messages), /when is high tide\?/);
  assert.ok(
    ask.toolConfig.tools.some((tool: { toolSpec?: { name: string } }) => tool.toolSpec?.name === "read"),
  );
  const last = answer.messages.at(-1);
  assert.equal(last.role, "user");
  const result = last.content.find((c: Record<string, unknown>) => "toolResult" in c).toolResult;
  assert.equal(
    result.toolUseId,
    answer.messages.at(-2).content.find((c: Record<string, unknown>) => "toolUse" in c).toolUse.toolUseId,
  );
  assert.match(JSON.stringify(result.content), /High tide at 14:05/);

  // `models status` names the source, and where the SDK finds credentials, never the secret.
  const status = await runCli(["models", "status", "--json"], home.env);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout) as {
    auth: { providers: { provider: string; effective: { source: string; hint: string } | null }[] };
  };
  const entry = report.auth.providers.find((p) => p.provider === "amazon-bedrock");
  assert.deepEqual(entry?.effective, { source: "aws-sdk", hint: "env:AWS_ACCESS_KEY_ID" });
  assert.ok(!status.stdout.includes(KEYS.secretAccessKey));

  // A probe asks Bedrock itself, signed the same way.
  const probe = await runCli(["models", "status", "--probe", "--json"], home.env);
  assert.equal(probe.code, 0, probe.stderr);
  const probes = (JSON.parse(probe.stdout) as { probes: { provider: string; source: string; ok: boolean }[] })
    .probes;
  assert.deepEqual(
    probes.map((p) => [p.provider, p.source, p.ok]),
    [["amazon-bedrock", "aws-sdk", true]],
  );
  assert.equal(bedrock.requests.at(-1)?.auth.scheme, "sigv4");
});

test("a custom bedrock-converse-stream provider signs with an AWS profile, and throttling falls back", async (t) => {
  const bedrock = await startFakeBedrock({ credentials: KEYS, region: "us-west-2" });
  bedrock.setDefault((req) =>
    req.modelId === "corp.busy-model-v1:0"
      ? { kind: "error", status: 429 }
      : { kind: "text", text: `answered by ${req.modelId}` },
  );
  const home = await createTestHome({
    config: {
      models: {
        providers: {
          corp: {
            baseUrl: bedrock.baseUrl,
            api: "bedrock-converse-stream",
            auth: "aws-sdk",
            models: [{ id: "corp.busy-model-v1:0" }, { id: "corp.calm-model-v1:0" }],
          },
        },
      },
      agents: {
        defaults: {
          model: { primary: "corp/corp.busy-model-v1:0", fallbacks: ["corp/corp.calm-model-v1:0"] },
        },
      },
    },
    env: { ...NO_IMDS, AWS_PROFILE: "corp" },
  });
  // What `aws configure --profile corp` writes; the SDK reads it, the gateway never does.
  await mkdir(path.join(home.home, ".aws"), { recursive: true });
  await writeFile(
    path.join(home.home, ".aws", "credentials"),
    `[corp]\naws_access_key_id = ${KEYS.accessKeyId}\naws_secret_access_key = ${KEYS.secretAccessKey}\n`,
  );
  await writeFile(path.join(home.home, ".aws", "config"), "[profile corp]\nregion = us-west-2\n");
  const { gw, client } = await gatewayWithClient(t, { home }, bedrock);

  const end = await chatTurn(client, "anyone free?");
  assert.equal(end.state, "final", JSON.stringify(end.payload));
  assert.equal(end.text, "answered by corp.calm-model-v1:0");
  const models = bedrock.requests.map((r) => r.modelId);
  assert.ok(models.includes("corp.busy-model-v1:0"), "the primary was tried first");
  assert.equal(models.at(-1), "corp.calm-model-v1:0");
  assert.ok(bedrock.requests.every((r) => r.auth.scheme === "sigv4" && r.auth.sigv4.region === "us-west-2"));
  assert.match(gw.output(), /model attempt failed; trying the next candidate/);
});

test("without AWS credentials a Bedrock turn fails with what to set", async (t) => {
  const bedrock = await startFakeBedrock();
  const { client } = await gatewayWithClient(
    t,
    {
      config: {
        models: { providers: { "amazon-bedrock": { baseUrl: bedrock.baseUrl } } },
        agents: { defaults: { model: { primary: BUILTIN } } },
      },
      env: NO_IMDS,
    },
    bedrock,
  );
  const end = await chatTurn(client, "hello?");
  assert.equal(end.state, "error");
  const message = String(end.payload["errorMessage"]);
  assert.match(message, /No AWS credentials found for provider "amazon-bedrock"/);
  assert.match(message, /AWS_ACCESS_KEY_ID/);
  assert.match(message, /AWS_PROFILE/);
  assert.equal(bedrock.requests.length, 0, "nothing was sent");
});
