import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setupTokenProblem } from "../../src/cli/commands/models-auth-login.ts";
import {
  OAuthCallbackError,
  parsePastedRedirect,
  parseRedirect,
} from "../../src/models/oauth/callback-server.ts";
import { parseGeminiClient } from "../../src/models/oauth/gemini-client.ts";
import { codexAccountId, decodeJwtPayload, jwtEmail } from "../../src/models/oauth/jwt.ts";
import { buildAuthorizeUrl } from "../../src/models/oauth/login.ts";
import { createPkce, pkceChallenge } from "../../src/models/oauth/pkce.ts";
import { endpointOverrideHelp, oauthEndpoints } from "../../src/models/oauth/providers.ts";
import { needsRefresh, REFRESH_SKEW_MS } from "../../src/models/oauth/refresh.ts";

const jwt = (payload: unknown) =>
  `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.c2ln`;

describe("PKCE", () => {
  test("the S256 challenge is the unpadded base64url SHA-256 of the verifier (RFC 7636 §4.2)", async () => {
    const verifier = "dBjftJeZ4CVP-mJ92K9cXPO6wm6ZR0PkzNxYx3S1KS4";
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const expected = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    assert.equal(pkceChallenge(verifier), expected);
    assert.match(expected, /^[A-Za-z0-9_-]{43}$/);
  });

  test("a fresh pair is an unpadded base64url verifier of 43+ chars and its own challenge", () => {
    const a = createPkce();
    const b = createPkce();
    assert.match(a.verifier, /^[A-Za-z0-9_-]{43,128}$/);
    assert.equal(a.challenge, pkceChallenge(a.verifier));
    assert.equal(a.method, "S256");
    assert.notEqual(a.verifier, b.verifier);
  });
});

describe("JWT claims", () => {
  test("the Codex account id and email come from the namespaced claims", () => {
    const access = jwt({
      "https://api.openai.com/auth": { chatgpt_account_id: "acct-123" },
      "https://api.openai.com/profile": { email: "me@example.com" },
    });
    assert.equal(codexAccountId(access), "acct-123");
    assert.equal(jwtEmail(access), "me@example.com");
    assert.equal(jwtEmail(jwt({ email: "id@example.com" })), "id@example.com");
  });

  test("tokens that are not JWTs, or lack the claim, give undefined", () => {
    assert.equal(codexAccountId("sk-not-a-jwt"), undefined);
    assert.equal(codexAccountId(jwt({ sub: "x" })), undefined);
    assert.equal(decodeJwtPayload("a.!!!.c"), undefined);
    assert.equal(decodeJwtPayload(`a.${Buffer.from("[1]").toString("base64url")}.c`), undefined);
  });
});

describe("refresh timing", () => {
  const now = 1_000_000_000_000;
  test("a token is refreshed once within the skew of its expiry, never without an expiry", () => {
    assert.equal(needsRefresh(now + REFRESH_SKEW_MS + 1, now), false);
    assert.equal(needsRefresh(now + REFRESH_SKEW_MS, now), true);
    assert.equal(needsRefresh(now - 1, now), true);
    assert.equal(needsRefresh(undefined, now), false);
    assert.equal(needsRefresh(0, now), false);
  });
});

describe("redirects", () => {
  const state = "s-1";
  test("the callback yields its code only with our state", () => {
    assert.deepEqual(
      parseRedirect(new URL(`http://localhost:1455/auth/callback?code=c1&state=${state}`), state),
      {
        code: "c1",
      },
    );
    assert.throws(
      () => parseRedirect(new URL("http://localhost/cb?code=c1&state=other"), state),
      (e: Error) => e instanceof OAuthCallbackError && /state mismatch/.test(e.message),
    );
    assert.throws(
      () => parseRedirect(new URL("http://localhost/cb?error=access_denied&error_description=no"), state),
      /sign-in failed: access_denied \(no\)/,
    );
  });

  test("a pasted redirect URL, query string or bare code is accepted", () => {
    assert.deepEqual(
      parsePastedRedirect(` http://localhost:1455/auth/callback?code=c2&state=${state} `, state),
      {
        code: "c2",
      },
    );
    assert.deepEqual(parsePastedRedirect(`code=c3&state=${state}`, state), { code: "c3" });
    assert.deepEqual(parsePastedRedirect("c4", state), { code: "c4" });
    assert.throws(() => parsePastedRedirect("   ", state), OAuthCallbackError);
  });
});

describe("endpoints", () => {
  test("defaults are the providers' own; OPENCLAW_OAUTH_<PROVIDER>_* overrides each", () => {
    assert.equal(oauthEndpoints("openai-codex", {}).redirectUri, "http://localhost:1455/auth/callback");
    assert.equal(oauthEndpoints("openai-codex", {}).tokenUrl, "https://auth.openai.com/oauth/token");
    const env = {
      OPENCLAW_OAUTH_OPENAI_CODEX_TOKEN_URL: "http://127.0.0.1:9/token",
      OPENCLAW_OAUTH_GOOGLE_GEMINI_CLI_CODE_ASSIST_URL: "http://127.0.0.1:9",
    };
    assert.equal(oauthEndpoints("openai-codex", env).tokenUrl, "http://127.0.0.1:9/token");
    assert.equal(oauthEndpoints("openai-codex", env).authorizeUrl, "https://auth.openai.com/oauth/authorize");
    assert.equal(oauthEndpoints("google-gemini-cli", env).codeAssistUrl, "http://127.0.0.1:9");
    assert.match(endpointOverrideHelp(), /OPENCLAW_OAUTH_OPENAI_CODEX_\{AUTHORIZE_URL\|TOKEN_URL/);
  });

  test("the authorize URL carries PKCE, state, scopes and the provider's extra parameters", () => {
    const url = new URL(
      buildAuthorizeUrl("google-gemini-cli", {
        authorizeUrl: "https://accounts.example/auth?hl=en",
        clientId: "cid",
        redirectUri: "http://localhost:8085/oauth2callback",
        challenge: "ch",
        state: "st",
      }),
    );
    const q = Object.fromEntries(url.searchParams);
    assert.equal(q["hl"], "en");
    assert.equal(q["response_type"], "code");
    assert.equal(q["code_challenge_method"], "S256");
    assert.equal(q["access_type"], "offline");
    assert.match(q["scope"] ?? "", /cloud-platform .*userinfo.email/);
  });
});

describe("credentials read from elsewhere", () => {
  test("Gemini CLI's client id and secret are found in its oauth2.js", () => {
    const src = `const OAUTH_CLIENT_ID = '12345-abcdef.apps.googleusercontent.com';\nconst OAUTH_CLIENT_SECRET = 'GOCSPX-abc_DEF-123';`;
    assert.deepEqual(parseGeminiClient(src), {
      clientId: "12345-abcdef.apps.googleusercontent.com",
      clientSecret: "GOCSPX-abc_DEF-123",
    });
    assert.equal(parseGeminiClient("nothing here"), undefined);
  });

  test("an Anthropic setup-token must start with sk-ant-oat01- and be whole", () => {
    assert.equal(setupTokenProblem(`sk-ant-oat01-${"a".repeat(80)}`), undefined);
    assert.equal(setupTokenProblem(""), "Required");
    assert.equal(setupTokenProblem("sk-ant-api03-xyz"), "Expected token starting with sk-ant-oat01-");
    assert.equal(
      setupTokenProblem("sk-ant-oat01-short"),
      "Token looks too short; paste the full setup-token",
    );
  });
});
