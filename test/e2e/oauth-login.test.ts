import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import JSON5 from "json5";
import { CODEX_CLIENT_ID } from "../../src/models/oauth/grants.ts";
import { type FakeOAuth, startFakeOAuth } from "../fakes/oauth.ts";
import { CLI_ENTRY, createTestHome, freePort, REPO_ROOT, runCli, type TestHome } from "../harness/gateway.ts";

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stdout+stderr, as soon as it is printed. */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

/** Starts the CLI with stdin left open, so a test can paste into it. */
function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env, cwd: REPO_ROOT, stdio: "pipe" });
  let out = "";
  let err = "";
  const watchers: { re: RegExp; resolve(m: RegExpMatchArray): void }[] = [];
  const check = () => {
    for (const w of [...watchers]) {
      const m = (out + err).match(w.re);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.on("data", (d) => {
    out += d;
    check();
  });
  child.stderr.on("data", (d) => {
    err += d;
    check();
  });
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        watchers.push({ re, resolve });
        check();
        void exit.then(() =>
          reject(new Error(`exited before printing ${re}\nstdout: ${out}\nstderr: ${err}`)),
        );
      }),
    exit,
  };
}

/** What the user's browser does: open the authorize URL, follow the provider's redirect. */
async function signInAt(authorizeUrl: string): Promise<string> {
  const res = await fetch(authorizeUrl, { redirect: "manual" });
  assert.equal(res.status, 302, await res.text());
  return res.headers.get("location") ?? "";
}

const URL_RE = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/;

async function readStore(h: TestHome): Promise<Record<string, Record<string, unknown>>> {
  const file = path.join(h.stateDir, "agents", "main", "agent", "auth-profiles.json");
  return JSON.parse(await readFile(file, "utf8")).profiles;
}

describe("models auth login --provider openai-codex", () => {
  let fake: FakeOAuth;
  let redirectUri: string;
  before(async () => {
    redirectUri = `http://localhost:${await freePort()}/auth/callback`;
    fake = await startFakeOAuth({
      clientId: CODEX_CLIENT_ID,
      redirectUri,
      accountId: "acct-42",
      email: "me@example.com",
    });
  });
  after(() => fake.close());

  const envFor = (h: TestHome) => ({
    ...h.env,
    OPENCLAW_OAUTH_OPENAI_CODEX_AUTHORIZE_URL: fake.authorizeUrl,
    OPENCLAW_OAUTH_OPENAI_CODEX_TOKEN_URL: fake.tokenUrl,
    OPENCLAW_OAUTH_OPENAI_CODEX_REDIRECT_URI: redirectUri,
  });

  test("the browser's redirect completes PKCE sign-in; the oauth profile and default model are stored", async (t) => {
    const h = await createTestHome({
      config: { agents: { defaults: { model: { fallbacks: ["openai/gpt-5.2"] } } } },
    });
    t.after(() => h.cleanup());
    const run = start(
      ["models", "auth", "login", "--provider", "openai-codex", "--set-default", "--json"],
      envFor(h),
    );
    t.after(() => run.child.kill());
    const [, url] = await run.waitFor(URL_RE);
    const authorize = new URL(url!);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    assert.equal(authorize.searchParams.get("redirect_uri"), redirectUri);
    // Anything on this machine can reach the loopback port: a forged redirect is refused, the wait goes on.
    const forged = await fetch(`${redirectUri}?code=stolen&state=forged`);
    assert.equal(forged.status, 400);
    assert.match(await forged.text(), /state mismatch/);
    const callback = await fetch(await signInAt(url!));
    assert.equal(callback.status, 200);
    assert.match(await callback.text(), /Signed in/);
    assert.equal(await run.exit, 0, run.stderr());
    const printed = JSON.parse(run.stdout()) as Record<string, unknown>;
    assert.equal(printed["profileId"], "openai-codex:me@example.com");
    assert.equal(printed["accountId"], "acct-42");
    assert.equal(printed["defaultModel"], "openai-codex/gpt-5.3-codex");
    const cred = (await readStore(h))["openai-codex:me@example.com"]!;
    assert.equal(cred["type"], "oauth");
    assert.equal(cred["provider"], "openai-codex");
    assert.equal(cred["accountId"], "acct-42");
    assert.equal(cred["email"], "me@example.com");
    assert.match(String(cred["refresh"]), /^rt_/);
    assert.ok(typeof cred["expires"] === "number" && cred["expires"] > Date.now());
    assert.equal(String(cred["access"]).split(".").length, 3);
    const grant = fake.tokenRequests.findLast((r) => r.grantType === "authorization_code");
    assert.equal(grant?.status, 200, "the fake checked the verifier against the challenge");
    const config = JSON5.parse(await readFile(h.configPath, "utf8"));
    assert.deepEqual(config.agents.defaults.model, {
      fallbacks: ["openai/gpt-5.2"],
      primary: "openai-codex/gpt-5.3-codex",
    });
    for (const secret of [cred["access"], cred["refresh"]] as string[])
      assert.ok(!run.stdout().includes(secret) && !run.stderr().includes(secret), "tokens are never printed");
    const status = await runCli(["models", "status", "--json"], h.env);
    assert.equal(status.code, 0, status.stderr);
    const codex = (
      JSON.parse(status.stdout) as {
        auth: { providers: { provider: string; profiles: Record<string, unknown>[] }[] };
      }
    ).auth.providers.find((p) => p.provider === "openai-codex");
    assert.deepEqual(
      codex?.profiles.map((p) => [p["id"], p["type"], p["state"], p["expiresAt"], p["refreshable"]]),
      [
        [
          "openai-codex:me@example.com",
          "oauth",
          "ok",
          new Date(cred["expires"] as number).toISOString(),
          true,
        ],
      ],
    );
  });

  test("a redirect URL pasted into the terminal completes sign-in without the loopback callback", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const run = start(["models", "auth", "login", "--provider", "openai-codex", "--no-browser"], envFor(h));
    t.after(() => run.child.kill());
    const [, url] = await run.waitFor(URL_RE);
    const location = await signInAt(url!);
    run.child.stdin.write(
      `${location.replace("code=", "code=wrong")}\n`.replace(/state=[^&]+/, "state=forged"),
    );
    await run.waitFor(/state mismatch/);
    run.child.stdin.write(`${location}\n`);
    assert.equal(await run.exit, 0, run.stderr());
    assert.match(run.stdout(), /Saved auth profile openai-codex:me@example.com/);
    assert.equal((await readStore(h))["openai-codex:me@example.com"]?.["accountId"], "acct-42");
  });

  test("a denied sign-in exits 1 with the provider's error and stores nothing", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const run = start(["models", "auth", "login", "--provider", "openai-codex"], envFor(h));
    t.after(() => run.child.kill());
    await run.waitFor(URL_RE);
    const denied = new URL(redirectUri);
    denied.searchParams.set("error", "access_denied");
    const page = await fetch(denied);
    assert.equal(page.status, 400);
    assert.equal(await run.exit, 1);
    assert.match(
      run.stderr(),
      /OpenAI Codex \(ChatGPT OAuth\) sign-in failed: sign-in failed: access_denied/,
    );
    await assert.rejects(readStore(h), { code: "ENOENT" });
  });

  test("a provider without a sign-in flow is refused with the alternatives", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const r = await runCli(["models", "auth", "login", "--provider", "anthropic"], h.env);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Unknown provider "anthropic"\. Providers with a sign-in flow: openai-codex, google-gemini-cli/,
    );
    assert.match(r.stderr, /models auth setup-token --provider anthropic/);
  });
});

describe("models auth login --provider google-gemini-cli", () => {
  let fake: FakeOAuth;
  let redirectUri: string;
  before(async () => {
    redirectUri = `http://localhost:${await freePort()}/oauth2callback`;
    fake = await startFakeOAuth({
      clientId: "1234-fake.apps.googleusercontent.com",
      clientSecret: "GOCSPX-fake",
      redirectUri,
      email: "g@example.com",
      rotateRefreshTokens: false,
      codeAssist: { projectId: "proj-onboarded-7", onboarded: false },
    });
  });
  after(() => fake.close());

  test("without the plugin enabled it says how to enable it (AUTH-11)", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const r = await runCli(["models", "auth", "login", "--provider", "google-gemini-cli"], h.env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^No provider plugins found\. Install one via `openclaw plugins install`\./);
    assert.match(r.stderr, /openclaw plugins enable google-gemini-cli-auth/);
  });

  test("with the plugin enabled it signs in, discovers the project and sets the default", async (t) => {
    const h = await createTestHome({
      config: { plugins: { entries: { "google-gemini-cli-auth": { enabled: true } } } },
    });
    t.after(() => h.cleanup());
    const env = {
      ...h.env,
      GEMINI_CLI_OAUTH_CLIENT_ID: "1234-fake.apps.googleusercontent.com",
      GEMINI_CLI_OAUTH_CLIENT_SECRET: "GOCSPX-fake",
      OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_AUTHORIZE_URL: fake.authorizeUrl,
      OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_TOKEN_URL: fake.tokenUrl,
      OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_REDIRECT_URI: redirectUri,
      OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_USERINFO_URL: fake.userinfoUrl,
      OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_CODE_ASSIST_URL: fake.codeAssistUrl,
    };
    const run = start(["models", "auth", "login", "--provider", "google-gemini-cli", "--set-default"], env);
    t.after(() => run.child.kill());
    const [, url] = await run.waitFor(URL_RE);
    assert.equal(new URL(url!).searchParams.get("access_type"), "offline");
    await fetch(await signInAt(url!));
    assert.equal(await run.exit, 0, run.stderr());
    const cred = (await readStore(h))["google-gemini-cli:g@example.com"]!;
    assert.equal(cred["type"], "oauth");
    assert.equal(cred["projectId"], "proj-onboarded-7");
    assert.equal(cred["email"], "g@example.com");
    const config = JSON5.parse(await readFile(h.configPath, "utf8"));
    assert.equal(config.agents.defaults.model.primary, "google-gemini-cli/gemini-3-pro-preview");
  });

  test("without a client id and no Gemini CLI installed, it says what to install", async (t) => {
    const h = await createTestHome({
      config: { plugins: { entries: { "google-gemini-cli-auth": { enabled: true } } } },
    });
    t.after(() => h.cleanup());
    const r = await runCli(["models", "auth", "login", "--provider", "google-gemini-cli"], {
      ...h.env,
      PATH: "/nonexistent",
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Gemini CLI not found\. Install it first: .*or set GEMINI_CLI_OAUTH_CLIENT_ID\./);
  });
});

describe("models auth setup-token --provider anthropic", () => {
  const TOKEN = `sk-ant-oat01-${"x".repeat(90)}`;

  test("a piped setup-token is stored as the anthropic:default token profile", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const r = await runCli(
      ["models", "auth", "setup-token", "--provider", "anthropic", "--yes", "--json"],
      h.env,
      {
        input: `${TOKEN}\n`,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).profileId, "anthropic:default");
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
    assert.deepEqual((await readStore(h))["anthropic:default"], {
      type: "token",
      provider: "anthropic",
      token: TOKEN,
    });
  });

  test("something that is not a setup-token is refused and nothing is stored", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const r = await runCli(["models", "auth", "setup-token", "--provider", "anthropic"], h.env, {
      input: "sk-ant-api03-an-api-key\n",
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid Anthropic setup-token: Expected token starting with sk-ant-oat01-\./);
    await assert.rejects(readStore(h), { code: "ENOENT" });
  });
});
