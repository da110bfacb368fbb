import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { CODEX_CLIENT_ID } from "../../src/models/oauth/grants.ts";
import { type FakeOAuth, startFakeOAuth } from "../fakes/oauth.ts";
import { createTestHome, runCli, type TestHome } from "../harness/gateway.ts";

// A turn on an OAuth profile, end to end: `openclaw agent --local` processes, the auth store on
// disk, the fake's token endpoint and the Codex backend that only accepts current tokens.

const PROFILE = "openai-codex:me@example.com";
let fake: FakeOAuth;

before(async () => {
  fake = await startFakeOAuth({
    clientId: CODEX_CLIENT_ID,
    accountId: "acct-7",
    email: "me@example.com",
    reply: "pong",
  });
});
after(() => fake.close());

async function homeWith(tokens: { access: string; refresh: string; expires: number }): Promise<TestHome> {
  const h = await createTestHome({
    config: {
      agents: {
        defaults: { model: { primary: "openai-codex/gpt-5.3-codex" } },
        list: [{ id: "main", default: true }, { id: "work" }],
      },
      models: {
        providers: {
          "openai-codex": {
            baseUrl: fake.codexBaseUrl,
            api: "openai-codex-responses",
            models: [{ id: "gpt-5.3-codex" }],
          },
        },
      },
    },
    env: { OPENCLAW_OAUTH_OPENAI_CODEX_TOKEN_URL: fake.tokenUrl },
  });
  const dir = path.join(h.stateDir, "agents", "main", "agent");
  await mkdir(dir, { recursive: true });
  const profile = {
    type: "oauth",
    provider: "openai-codex",
    ...tokens,
    accountId: "acct-7",
    email: "me@example.com",
  };
  await writeFile(
    path.join(dir, "auth-profiles.json"),
    JSON.stringify({ version: 1, profiles: { [PROFILE]: profile } }),
  );
  return h;
}

async function storedProfile(h: TestHome): Promise<Record<string, unknown>> {
  const file = path.join(h.stateDir, "agents", "main", "agent", "auth-profiles.json");
  return JSON.parse(await readFile(file, "utf8")).profiles[PROFILE];
}

const turn = (h: TestHome, agent: string) =>
  runCli(["agent", "--local", "--agent", agent, "-m", "ping", "--json"], h.env, { timeoutMs: 60_000 });

describe("OAuth refresh on the turn path", () => {
  test("two processes needing a refresh at once refresh once and both get answers", async (t) => {
    const old = fake.issue({ expiresInSeconds: -120 });
    const h = await homeWith(old);
    t.after(() => h.cleanup());
    const before = fake.refreshCount();
    const sent = fake.codexRequests.length;
    // `work` has no store of its own and borrows main's profile (reference-agent §6.5).
    const [a, b] = await Promise.all([turn(h, "main"), turn(h, "work")]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).reply, "pong");
    }
    assert.equal(fake.refreshCount() - before, 1);
    const saved = await storedProfile(h);
    assert.notEqual(saved["access"], old.access);
    assert.notEqual(saved["refresh"], old.refresh);
    const used = fake.codexRequests.slice(sent);
    assert.equal(used.length, 2);
    for (const req of used) {
      assert.equal(req.headers.authorization, `Bearer ${saved["access"]}`);
      assert.equal(req.headers["chatgpt-account-id"], "acct-7");
    }
  });

  test("a 401 for a token that has not expired yet is refreshed once and the request retried", async (t) => {
    const live = fake.issue();
    fake.revoke(live.access);
    const h = await homeWith(live);
    t.after(() => h.cleanup());
    const before = fake.refreshCount();
    const r = await turn(h, "main");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).reply, "pong");
    assert.equal(fake.refreshCount() - before, 1);
    const saved = await storedProfile(h);
    assert.notEqual(saved["access"], live.access);
    assert.equal(fake.codexRequests.at(-1)?.headers.authorization, `Bearer ${saved["access"]}`);
  });

  test("a refresh the provider refuses for good fails the turn with OpenClaw's message", async (t) => {
    const old = fake.issue({ expiresInSeconds: -120 });
    const h = await homeWith(old);
    t.after(() => h.cleanup());
    fake.failRefresh("invalid_grant");
    t.after(() => fake.failRefresh(undefined));
    const sent = fake.codexRequests.length;
    const r = await turn(h, "main");
    assert.equal(r.code, 1);
    const { error } = JSON.parse(r.stdout) as { error: string };
    assert.match(
      error,
      /OAuth token refresh failed for openai-codex: invalid_grant: .*Please try again or re-authenticate\./,
    );
    assert.match(error, /openclaw models auth login --provider openai-codex/);
    assert.equal(fake.codexRequests.length, sent, "no request went out with the expired token");
    assert.equal((await storedProfile(h))["access"], old.access);
  });
});
