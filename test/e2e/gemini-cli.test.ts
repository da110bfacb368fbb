import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeCodeAssist } from "../fakes/code-assist.ts";
import type { FakeLlm } from "../fakes/http-server.ts";
import { type FakeOAuth, startFakeOAuth } from "../fakes/oauth.ts";
import { chatTurn } from "../harness/events.ts";
import {
  CLI_ENTRY,
  createTestHome,
  freePort,
  gatewayWithClient,
  REPO_ROOT,
  runCli,
  type TestHome,
} from "../harness/gateway.ts";

// Gemini CLI sign-in to answered turns, end to end: the login CLI against the fake Google OAuth
// server, then turns through the fake Cloud Code Assist, which accepts only the tokens that
// server currently honours and only the project the sign-in discovered.

const CLIENT_ID = "1234-fake.apps.googleusercontent.com";
const CLIENT_SECRET = "GOCSPX-fake";
const PROJECT = "proj-onboarded-7";
const PROFILE = "google-gemini-cli:g@example.com";

let oauth: FakeOAuth;
let codeAssist: FakeLlm;
let redirectUri: string;

before(async () => {
  redirectUri = `http://localhost:${await freePort()}/oauth2callback`;
  oauth = await startFakeOAuth({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri,
    email: "g@example.com",
    rotateRefreshTokens: false,
    codeAssist: { projectId: PROJECT, onboarded: false },
  });
  codeAssist = await startFakeCodeAssist({ acceptsToken: (t) => oauth.acceptsAccess(t), projectId: PROJECT });
});
after(() => Promise.all([oauth.close(), codeAssist.close()]));

/** What the gateway and CLI need to reach the fakes for sign-in and refresh. */
const oauthEnv = (): Record<string, string> => ({
  GEMINI_CLI_OAUTH_CLIENT_ID: CLIENT_ID,
  GEMINI_CLI_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
  OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_AUTHORIZE_URL: oauth.authorizeUrl,
  OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_TOKEN_URL: oauth.tokenUrl,
  OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_REDIRECT_URI: redirectUri,
  OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_USERINFO_URL: oauth.userinfoUrl,
  OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_CODE_ASSIST_URL: oauth.codeAssistUrl,
});

/** Runs `models auth login` and plays the browser: opens the printed URL and follows the redirect. */
async function signIn(h: TestHome): Promise<void> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [CLI_ENTRY, "models", "auth", "login", "--provider", "google-gemini-cli", "--set-default"],
    { env: { ...h.env, ...oauthEnv() }, cwd: REPO_ROOT, stdio: "pipe" },
  );
  let output = "";
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exit.then(() => reject(new Error(`login exited before printing its URL:\n${output}`)));
  });
  const redirect = await fetch(url, { redirect: "manual" });
  assert.equal(redirect.status, 302);
  await fetch(redirect.headers.get("location") ?? "");
  assert.equal(await exit, 0, output);
}

function storePath(h: TestHome): string {
  return path.join(h.stateDir, "agents", "main", "agent", "auth-profiles.json");
}

async function storedProfile(h: TestHome): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(storePath(h), "utf8")).profiles[PROFILE];
}

test("after a Gemini CLI sign-in, a chat turn with a tool call is answered through Cloud Code Assist", async (t) => {
  const h = await createTestHome({
    config: {
      plugins: { entries: { "google-gemini-cli-auth": { enabled: true } } },
      models: { providers: { "google-gemini-cli": { baseUrl: codeAssist.baseUrl } } },
    },
  });
  t.after(() => h.cleanup());
  await signIn(h);
  const profile = await storedProfile(h);
  assert.equal(profile["projectId"], PROJECT);
  await mkdir(path.join(h.stateDir, "workspace"), { recursive: true });
  await writeFile(path.join(h.stateDir, "workspace", "herons.md"), "- Wendell, great blue heron\n- Gus\n");
  codeAssist.enqueue(
    { kind: "toolCalls", calls: [{ name: "read", arguments: { path: "herons.md" } }] },
    { kind: "text", text: "Two herons: Wendell and Gus." },
  );
  const sent = codeAssist.requests.length;
  const { client } = await gatewayWithClient(t, { home: h, env: oauthEnv() });

  const turn = await chatTurn(client, "Which herons are in herons.md?");
  assert.equal(turn.state, "final", JSON.stringify(turn.payload));
  assert.equal(turn.text, "Two herons: Wendell and Gus.");

  const [first, second] = codeAssist.requests.slice(sent);
  assert.ok(first && second, "two model calls: the tool call, then the answer");
  for (const req of [first, second]) {
    assert.equal(req.path, "/v1internal:streamGenerateContent");
    assert.equal(req.headers.authorization, `Bearer ${profile["access"]}`);
    assert.equal(req.body.project, PROJECT);
    assert.equal(req.body.model, "gemini-3-pro-preview", "the sign-in's --set-default model");
  }
  const declared = (first.body.request.tools as { functionDeclarations: { name: string }[] }[]).flatMap((x) =>
    x.functionDeclarations.map((d) => d.name),
  );
  assert.ok(declared.includes("read"), declared.join(","));
  const contents = second.body.request.contents as { role: string; parts: Record<string, unknown>[] }[];
  assert.match(JSON.stringify(contents[0]), /Which herons are in herons\.md\?/);
  const call = contents.at(-2)?.parts.find((p) => p["functionCall"]);
  assert.deepEqual((call?.["functionCall"] as { args: unknown } | undefined)?.args, { path: "herons.md" });
  const result = contents.at(-1)?.parts[0]?.["functionResponse"] as {
    name: string;
    response: { output: string };
  };
  assert.equal(result.name, "read");
  assert.match(result.response.output, /Wendell, great blue heron/);
});

describe("OAuth refresh on a Gemini CLI turn", () => {
  /** A profile as a sign-in leaves it; model calls go wherever the CODE_ASSIST_URL override says. */
  async function homeWith(tokens: { access: string; refresh: string; expires: number }): Promise<TestHome> {
    const h = await createTestHome({
      config: { agents: { defaults: { model: { primary: "google-gemini-cli/gemini-2.5-flash" } } } },
      env: { ...oauthEnv(), OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_CODE_ASSIST_URL: codeAssist.origin },
    });
    await mkdir(path.dirname(storePath(h)), { recursive: true });
    const profile = {
      type: "oauth",
      provider: "google-gemini-cli",
      ...tokens,
      email: "g@example.com",
      projectId: PROJECT,
    };
    await writeFile(storePath(h), JSON.stringify({ version: 1, profiles: { [PROFILE]: profile } }));
    return h;
  }

  const turn = (h: TestHome) =>
    runCli(["agent", "--local", "-m", "ping", "--json"], h.env, { timeoutMs: 60_000 });

  test("an expired access token is refreshed before the call, and the turn is answered", async (t) => {
    const old = oauth.issue({ expiresInSeconds: -120 });
    const h = await homeWith(old);
    t.after(() => h.cleanup());
    codeAssist.enqueue({ kind: "text", text: "pong" });
    const before = oauth.refreshCount();
    const sent = codeAssist.requests.length;
    const r = await turn(h);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).reply, "pong");
    assert.equal(oauth.refreshCount() - before, 1);
    const saved = await storedProfile(h);
    assert.notEqual(saved["access"], old.access);
    assert.equal(saved["refresh"], old.refresh, "Google keeps the refresh token");
    assert.equal(saved["projectId"], PROJECT);
    const used = codeAssist.requests.slice(sent);
    assert.equal(used.length, 1, "no request went out with the expired token");
    assert.equal(used[0]?.headers.authorization, `Bearer ${saved["access"]}`);
    assert.equal(used[0]?.body.model, "gemini-2.5-flash");
  });

  test("a token refused before it expires is refreshed once and the call retried", async (t) => {
    const live = oauth.issue();
    oauth.revoke(live.access);
    const h = await homeWith(live);
    t.after(() => h.cleanup());
    codeAssist.enqueue({ kind: "text", text: "pong again" });
    const before = oauth.refreshCount();
    const sent = codeAssist.requests.length;
    const r = await turn(h);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).reply, "pong again");
    assert.equal(oauth.refreshCount() - before, 1);
    const saved = await storedProfile(h);
    const used = codeAssist.requests.slice(sent);
    assert.deepEqual(
      used.map((req) => req.headers.authorization),
      [`Bearer ${live.access}`, `Bearer ${saved["access"]}`],
    );
  });
});
