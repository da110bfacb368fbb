import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { OpenClawConfigSchema } from "../../src/config/schema.ts";
import { newTried, selectAttempt } from "../../src/models/model-selection.ts";
import { CODEX_CLIENT_ID } from "../../src/models/oauth/grants.ts";
import { codexAccountId } from "../../src/models/oauth/jwt.ts";
import { OAuthRefreshError, type RefreshScope, refreshOAuthProfile } from "../../src/models/oauth/refresh.ts";
import { type FakeOAuth, startFakeOAuth } from "../fakes/oauth.ts";

const PROFILE = "openai-codex:me@example.com";
let fake: FakeOAuth;
let root: string;

before(async () => {
  fake = await startFakeOAuth({ clientId: CODEX_CLIENT_ID, accountId: "acct-1", email: "me@example.com" });
  root = await mkdtemp(path.join(os.tmpdir(), "oauth-refresh-"));
});
after(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

async function agentDirWith(name: string, profiles: Record<string, unknown>): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "auth-profiles.json"), JSON.stringify({ version: 1, profiles }, null, 2));
  return dir;
}

async function stored(dir: string): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await readFile(path.join(dir, "auth-profiles.json"), "utf8")).profiles;
}

function codexProfile(tokens: { access: string; refresh: string; expires: number }) {
  return { type: "oauth", provider: "openai-codex", ...tokens, accountId: "acct-1", email: "me@example.com" };
}

function scope(agentDir: string, mainAgentDir?: string): RefreshScope {
  return {
    agentDir,
    mainAgentDir,
    env: { OPENCLAW_OAUTH_OPENAI_CODEX_TOKEN_URL: fake.tokenUrl },
    now: Date.now,
  };
}

describe("refreshOAuthProfile", () => {
  test("concurrent callers with an expired token share one refresh and the store gets the rotated tokens", async () => {
    const old = fake.issue({ expiresInSeconds: -60 });
    const dir = await agentDirWith("concurrent", { [PROFILE]: codexProfile(old) });
    const before = fake.refreshCount();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => refreshOAuthProfile(scope(dir), PROFILE)),
    );
    assert.equal(fake.refreshCount() - before, 1);
    assert.equal(new Set(results.map((r) => r.access)).size, 1);
    const saved = (await stored(dir))[PROFILE]!;
    assert.equal(saved["access"], results[0]!.access);
    assert.notEqual(saved["access"], old.access);
    assert.notEqual(saved["refresh"], old.refresh, "ChatGPT rotates refresh tokens");
    assert.ok((saved["expires"] as number) > Date.now());
    assert.equal(saved["email"], "me@example.com");
    assert.equal(codexAccountId(saved["access"] as string), "acct-1");
  });

  test("a current token is left alone; a rejected one is refreshed unless the store already moved on", async () => {
    const live = fake.issue();
    const dir = await agentDirWith("rejected", { [PROFILE]: codexProfile(live) });
    const start = fake.refreshCount();
    assert.equal((await refreshOAuthProfile(scope(dir), PROFILE)).access, live.access);
    assert.equal(fake.refreshCount(), start);
    const renewed = await refreshOAuthProfile(scope(dir), PROFILE, { rejectedAccess: live.access });
    assert.notEqual(renewed.access, live.access);
    assert.equal(fake.refreshCount(), start + 1);
    // Another process already replaced the rejected token: no second refresh.
    const again = await refreshOAuthProfile(scope(dir), PROFILE, { rejectedAccess: live.access });
    assert.equal(again.access, renewed.access);
    assert.equal(fake.refreshCount(), start + 1);
  });

  test("invalid_grant gives OpenClaw's message, names the login command and leaves the store alone", async () => {
    const old = fake.issue({ expiresInSeconds: -60 });
    const dir = await agentDirWith("invalid-grant", { [PROFILE]: codexProfile(old) });
    const before = await readFile(path.join(dir, "auth-profiles.json"), "utf8");
    fake.failRefresh("invalid_grant");
    try {
      await assert.rejects(refreshOAuthProfile(scope(dir), PROFILE), (err: Error) => {
        assert.ok(err instanceof OAuthRefreshError);
        assert.equal(err.permanent, true);
        assert.match(
          err.message,
          /^OAuth token refresh failed for openai-codex: invalid_grant: .+\. Please try again or re-authenticate\./,
        );
        assert.match(err.message, /openclaw models auth login --provider openai-codex/);
        return true;
      });
    } finally {
      fake.failRefresh(undefined);
    }
    assert.equal(await readFile(path.join(dir, "auth-profiles.json"), "utf8"), before);
  });

  test("a profile the agent borrows from main is refreshed in main's store", async () => {
    const old = fake.issue({ expiresInSeconds: -60 });
    const main = await agentDirWith("main", { [PROFILE]: codexProfile(old) });
    const work = await agentDirWith("work", {});
    const fresh = await refreshOAuthProfile(scope(work, main), PROFILE);
    assert.equal((await stored(main))[PROFILE]!["access"], fresh.access);
    assert.deepEqual(await stored(work), {});
  });
});

describe("selectAttempt with an OAuth profile", () => {
  const config = OpenClawConfigSchema.parse({
    agents: { defaults: { model: { primary: "openai-codex/gpt-5.3-codex" } } },
    models: {
      providers: {
        "openai-codex": {
          baseUrl: "http://127.0.0.1:9/backend-api",
          api: "openai-codex-responses",
          models: [{ id: "gpt-5.3-codex" }],
        },
      },
    },
  });
  const ctx = (agentDir: string) => ({
    config,
    chain: ["openai-codex/gpt-5.3-codex"],
    agentDir,
    mainAgentDir: undefined,
    env: { OPENCLAW_OAUTH_OPENAI_CODEX_TOKEN_URL: fake.tokenUrl },
    now: Date.now,
  });

  test("an expired access token is refreshed before the attempt is handed out", async () => {
    const old = fake.issue({ expiresInSeconds: -60 });
    const dir = await agentDirWith("select-ok", { [PROFILE]: codexProfile(old) });
    const attempt = await selectAttempt(ctx(dir), newTried());
    assert.ok(!("error" in attempt));
    assert.equal(attempt.credential.profileId, PROFILE);
    assert.equal(attempt.credential.apiKey, (await stored(dir))[PROFILE]!["access"]);
    assert.notEqual(attempt.credential.apiKey, old.access);
  });

  test("a refresh that fails for good ends the selection with the refresh message", async () => {
    const old = fake.issue({ expiresInSeconds: -60 });
    const dir = await agentDirWith("select-fail", { [PROFILE]: codexProfile(old) });
    fake.failRefresh("invalid_grant");
    try {
      const attempt = await selectAttempt(ctx(dir), newTried());
      assert.ok("error" in attempt);
      assert.match(
        attempt.error,
        /OAuth token refresh failed for openai-codex: .*Please try again or re-authenticate\./,
      );
    } finally {
      fake.failRefresh(undefined);
    }
  });
});
