import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { CODEX_CLIENT_ID } from "../../src/models/oauth/grants.ts";
import { type FakeOAuth, startFakeOAuth } from "../fakes/oauth.ts";
import { createTestHome, runCli, type TestHome } from "../harness/gateway.ts";

// openai-codex/gpt-5.3-codex, the model a Codex sign-in makes the default (reference-agent §6.7),
// is not in pi-ai 0.87.1's Codex catalog; our supplement must make it a known built-in model.

const PROFILE = "openai-codex:me@example.com";
let fake: FakeOAuth;

before(async () => {
  fake = await startFakeOAuth({
    clientId: CODEX_CLIENT_ID,
    accountId: "acct-9",
    email: "me@example.com",
    reply: "pong",
  });
});
after(() => fake.close());

interface ListJson {
  count: number;
  models: { ref: string; name: string | null; contextWindow: number | null; known: boolean; auth: boolean }[];
}

async function homeWithCodexProfile(config: unknown): Promise<TestHome> {
  const h = await createTestHome({ config, env: { OPENCLAW_OAUTH_OPENAI_CODEX_TOKEN_URL: fake.tokenUrl } });
  const dir = path.join(h.stateDir, "agents", "main", "agent");
  await mkdir(dir, { recursive: true });
  const profile = {
    type: "oauth",
    provider: "openai-codex",
    ...fake.issue(),
    accountId: "acct-9",
    email: "me@example.com",
  };
  await writeFile(
    path.join(dir, "auth-profiles.json"),
    JSON.stringify({ version: 1, profiles: { [PROFILE]: profile } }),
  );
  return h;
}

test("models list --provider openai-codex shows gpt-5.3-codex as a known built-in model", async (t) => {
  const h = await homeWithCodexProfile({
    agents: { defaults: { model: { primary: "openai-codex/gpt-5.3-codex" } } },
  });
  t.after(() => h.cleanup());
  const r = await runCli(["models", "list", "--provider", "openai-codex", "--json"], h.env);
  assert.equal(r.code, 0, r.stderr);
  const row = (JSON.parse(r.stdout) as ListJson).models.find((m) => m.ref === "openai-codex/gpt-5.3-codex");
  assert.deepEqual(row && [row.known, row.name, row.contextWindow, row.auth], [
    true,
    "GPT-5.3 Codex",
    272_000,
    true,
  ]);
  const all = await runCli(["models", "list", "--all", "--provider", "openai-codex", "--json"], h.env);
  assert.equal(all.code, 0, all.stderr);
  const refs = (JSON.parse(all.stdout) as ListJson).models.map((m) => m.ref);
  assert.ok(refs.includes("openai-codex/gpt-5.3-codex"), refs.join(", "));
  assert.ok(refs.includes("openai-codex/gpt-5.5"), "pi-ai's own Codex models are listed too");
});

test("a turn on openai-codex/gpt-5.3-codex with only a baseUrl configured is answered by the Codex backend", async (t) => {
  const h = await homeWithCodexProfile({
    agents: { defaults: { model: { primary: "openai-codex/gpt-5.3-codex" } } },
    models: { providers: { "openai-codex": { baseUrl: fake.codexBaseUrl } } },
  });
  t.after(() => h.cleanup());
  const sent = fake.codexRequests.length;
  const r = await runCli(["agent", "--local", "-m", "ping", "--json"], h.env, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).reply, "pong");
  const req = fake.codexRequests.slice(sent)[0];
  assert.equal(req?.body["model"], "gpt-5.3-codex");
  assert.equal(req?.headers["chatgpt-account-id"], "acct-9");
});
