// Fake OAuth 2.0 authorization server (RFC 6749 + PKCE, RFC 7636) standing in for ChatGPT's
// auth.openai.com and Google's accounts/oauth2 endpoints, plus the APIs that accept its tokens:
// the Codex backend (chatgpt.com/backend-api/codex/responses, SSE Responses events, answering
// `{"detail":"Unauthorized"}` for a bad token), Google's userinfo and Cloud Code Assist's
// loadCodeAssist/onboardUser. The APIs live here because only the issuer knows which tokens are
// current: a refresh or a revocation changes what the backend accepts.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { zstdDecompressSync } from "node:zlib";
import { openSse, randomId, sendJson, splitText, sseFrame, unixSeconds } from "./http-server.ts";

export interface FakeOAuthOptions {
  clientId: string;
  /** When set, the token endpoint requires it (Google's installed-app client has one). */
  clientSecret?: string;
  /** When set, the only redirect URI the authorize endpoint accepts (as registered for the client). */
  redirectUri?: string;
  /** ChatGPT account id carried in the access token's `https://api.openai.com/auth` claim. */
  accountId?: string;
  email?: string;
  /** `expires_in` of issued access tokens. Default 3600. */
  accessTtlSeconds?: number;
  /** Issue a new refresh token on each refresh, invalidating the old one (ChatGPT does; Google does not). */
  rotateRefreshTokens?: boolean;
  /** What loadCodeAssist answers: an onboarded account's project, or none (then onboardUser provisions one). */
  codeAssist?: { projectId: string; onboarded: boolean };
  /** Text the Codex backend answers with. Default "ok". */
  reply?: string;
}

export interface TokenRequest {
  grantType: string;
  params: Record<string, string>;
  status: number;
}

export interface CodexRequest {
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export interface IssuedTokens {
  access: string;
  refresh: string;
  /** Epoch ms. */
  expires: number;
}

export type RefreshFailure = "invalid_grant" | "temporarily_unavailable";

export interface FakeOAuth {
  origin: string;
  authorizeUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  codeAssistUrl: string;
  /** What a Codex provider's `baseUrl` points at (pi-ai appends `/codex/responses`). */
  codexBaseUrl: string;
  tokenRequests: TokenRequest[];
  codexRequests: CodexRequest[];
  /** Successful refresh-token grants so far. */
  refreshCount(): number;
  /** Makes every later refresh fail with this RFC 6749 §5.2 error (undefined: succeed again). */
  failRefresh(error: RefreshFailure | undefined): void;
  /** A grant as if the user had signed in earlier; a negative lifetime gives an already expired token. */
  issue(opts?: { expiresInSeconds?: number }): IssuedTokens;
  /** The backend refuses this access token from now on (the account signed out elsewhere, say). */
  revoke(access: string): void;
  /** Whether an API behind this issuer accepts the token now (issued here, unexpired, not revoked). */
  acceptsAccess(access: string): boolean;
  /** Resolves with the next Codex request (or one already received and not yet taken). */
  nextCodexRequest(): Promise<CodexRequest>;
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  used: boolean;
}

interface AccessGrant {
  expiresAtMs: number;
  revoked: boolean;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A JWT-shaped token (unsigned: the signature is random bytes; clients only read its claims). */
function jwt(payload: Record<string, unknown>): string {
  return `${b64url({ alg: "RS256", typ: "JWT" })}.${b64url(payload)}.${randomBytes(32).toString("base64url")}`;
}

function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** RFC 6749 §5.2: JSON `{error, error_description}`, 400 (401 for client authentication failures). */
function oauthError(res: ServerResponse, error: string, description: string): void {
  sendJson(
    res,
    error === "invalid_client" ? 401 : error === "temporarily_unavailable" ? 503 : 400,
    {
      error,
      error_description: description,
    },
    { "cache-control": "no-store" },
  );
}

export async function startFakeOAuth(opts: FakeOAuthOptions): Promise<FakeOAuth> {
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Set<string>();
  const access = new Map<string, AccessGrant>();
  const tokenRequests: TokenRequest[] = [];
  const codexRequests: CodexRequest[] = [];
  const codexWaiters: ((r: CodexRequest) => void)[] = [];
  let codexTaken = 0;
  let refreshes = 0;
  let refreshFailure: RefreshFailure | undefined;
  let origin = "";
  const ttl = opts.accessTtlSeconds ?? 3600;
  const email = opts.email ?? "me@example.com";

  const mintAccess = (expiresInSeconds: number): string => {
    const now = unixSeconds();
    const token = jwt({
      iss: origin,
      aud: [opts.clientId],
      sub: `user-${randomId("", 12)}`,
      iat: now,
      exp: now + expiresInSeconds,
      jti: randomId("", 16),
      ...(opts.accountId
        ? { "https://api.openai.com/auth": { chatgpt_account_id: opts.accountId, chatgpt_plan_type: "plus" } }
        : {}),
      "https://api.openai.com/profile": { email, email_verified: true },
    });
    access.set(token, { expiresAtMs: Date.now() + expiresInSeconds * 1000, revoked: false });
    return token;
  };
  const mintRefresh = (): string => {
    const token = `rt_${randomBytes(24).toString("base64url")}`;
    refreshTokens.add(token);
    return token;
  };
  const tokenResponse = (res: ServerResponse, refresh: string | undefined) => {
    const body: Record<string, unknown> = {
      access_token: mintAccess(ttl),
      token_type: "Bearer",
      expires_in: ttl,
      scope: "openid profile email offline_access",
      id_token: jwt({ iss: origin, aud: opts.clientId, email, email_verified: true, iat: unixSeconds() }),
    };
    if (refresh) body["refresh_token"] = refresh;
    sendJson(res, 200, body, { "cache-control": "no-store" });
  };

  const authorize = (url: URL, res: ServerResponse) => {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri") ?? "";
    // §4.1.2.1: a bad client or redirect URI is shown to the user, never redirected to.
    if (q.get("client_id") !== opts.clientId) return sendJson(res, 400, { error: "invalid_client" });
    if (!redirectUri || (opts.redirectUri !== undefined && redirectUri !== opts.redirectUri))
      return sendJson(res, 400, { error: "invalid_request", error_description: "redirect_uri mismatch" });
    const back = new URL(redirectUri);
    const state = q.get("state");
    if (state) back.searchParams.set("state", state);
    const problem =
      q.get("response_type") !== "code"
        ? ["unsupported_response_type", "response_type must be code"]
        : !q.get("code_challenge") || q.get("code_challenge_method") !== "S256"
          ? ["invalid_request", "PKCE with code_challenge_method=S256 is required"]
          : !state
            ? ["invalid_request", "state is required"]
            : undefined;
    if (problem) {
      back.searchParams.set("error", problem[0]!);
      back.searchParams.set("error_description", problem[1]!);
    } else {
      const code = randomId("ac_", 32);
      codes.set(code, {
        clientId: opts.clientId,
        redirectUri,
        challenge: q.get("code_challenge") ?? "",
        used: false,
      });
      back.searchParams.set("code", code);
    }
    res.writeHead(302, { location: back.toString() }).end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const params = Object.fromEntries(new URLSearchParams((await readRaw(req)).toString("utf8")));
    const record: TokenRequest = { grantType: params["grant_type"] ?? "", params, status: 0 };
    tokenRequests.push(record);
    res.on("finish", () => {
      record.status = res.statusCode;
    });
    if (
      params["client_id"] !== opts.clientId ||
      (opts.clientSecret && params["client_secret"] !== opts.clientSecret)
    )
      return oauthError(res, "invalid_client", "Client authentication failed");
    if (params["grant_type"] === "authorization_code") {
      const pending = codes.get(params["code"] ?? "");
      if (!pending || pending.used)
        return oauthError(res, "invalid_grant", "authorization code is invalid or used");
      pending.used = true;
      if (pending.redirectUri !== params["redirect_uri"])
        return oauthError(res, "invalid_grant", "redirect_uri does not match the authorization request");
      if (!params["code_verifier"] || s256(params["code_verifier"]) !== pending.challenge)
        return oauthError(res, "invalid_grant", "code_verifier does not match the code_challenge");
      return tokenResponse(res, mintRefresh());
    }
    if (params["grant_type"] === "refresh_token") {
      if (refreshFailure === "temporarily_unavailable")
        return oauthError(res, "temporarily_unavailable", "try again later");
      const rt = params["refresh_token"] ?? "";
      if (refreshFailure === "invalid_grant" || !refreshTokens.has(rt))
        return oauthError(res, "invalid_grant", "The refresh token is invalid, expired or was already used");
      refreshes++;
      if (opts.rotateRefreshTokens ?? true) {
        refreshTokens.delete(rt);
        return tokenResponse(res, mintRefresh());
      }
      return tokenResponse(res, undefined);
    }
    return oauthError(res, "unsupported_grant_type", `grant_type ${params["grant_type"]} is not supported`);
  };

  /** The bearer token when the fake issued it and it is current; answers 401 itself otherwise. */
  const bearer = (req: IncomingMessage, res: ServerResponse): string | undefined => {
    const t = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const grant = t ? access.get(t) : undefined;
    if (!t || !grant || grant.revoked || grant.expiresAtMs <= Date.now()) {
      sendJson(res, 401, { detail: "Unauthorized" });
      return undefined;
    }
    return t;
  };

  const codex = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readRaw(req);
    if (!bearer(req, res)) return;
    if (opts.accountId && req.headers["chatgpt-account-id"] !== opts.accountId)
      return sendJson(res, 403, { detail: "chatgpt-account-id does not match the token" });
    const text = (req.headers["content-encoding"] === "zstd" ? zstdDecompressSync(raw) : raw).toString(
      "utf8",
    );
    const body = JSON.parse(text) as Record<string, unknown>;
    const recorded = { headers: req.headers, body };
    codexRequests.push(recorded);
    const waiter = codexWaiters.shift();
    if (waiter) {
      codexTaken++;
      waiter(recorded);
    }
    streamCodexReply(res, String(body["model"] ?? ""), opts.reply ?? "ok");
  };

  const codeAssist = async (req: IncomingMessage, res: ServerResponse, method: string) => {
    await readRaw(req);
    if (!bearer(req, res)) return;
    const ca = opts.codeAssist ?? { projectId: "fake-project-123", onboarded: true };
    if (method === "loadCodeAssist") {
      return sendJson(
        res,
        200,
        ca.onboarded
          ? { currentTier: { id: "free-tier" }, cloudaicompanionProject: ca.projectId }
          : { allowedTiers: [{ id: "free-tier", isDefault: true }] },
      );
    }
    sendJson(res, 200, {
      name: "operations/onboard-1",
      done: true,
      response: { cloudaicompanionProject: { id: ca.projectId } },
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", origin);
    const route = `${req.method} ${url.pathname}`;
    const handle = async () => {
      if (route === "GET /oauth/authorize") return authorize(url, res);
      if (route === "POST /oauth/token") return token(req, res);
      if (route === "GET /oauth2/v1/userinfo")
        return bearer(req, res) && sendJson(res, 200, { email, verified_email: true });
      if (route === "POST /v1internal:loadCodeAssist") return codeAssist(req, res, "loadCodeAssist");
      if (route === "POST /v1internal:onboardUser") return codeAssist(req, res, "onboardUser");
      if (route === "POST /backend-api/codex/responses") return codex(req, res);
      sendJson(res, 404, { detail: "Not Found" });
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { detail: `fake OAuth crashed: ${String(err)}` });
      else res.destroy();
    });
  });
  // The Codex client tries a WebSocket first; this fake speaks only the SSE transport, so it
  // refuses the upgrade and the client falls back, as it does behind a proxy without WebSockets.
  server.on("upgrade", (_req, socket) => {
    socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    authorizeUrl: `${origin}/oauth/authorize`,
    tokenUrl: `${origin}/oauth/token`,
    userinfoUrl: `${origin}/oauth2/v1/userinfo`,
    codeAssistUrl: origin,
    codexBaseUrl: `${origin}/backend-api`,
    tokenRequests,
    codexRequests,
    refreshCount: () => refreshes,
    failRefresh: (error) => {
      refreshFailure = error;
    },
    issue: (o = {}) => {
      const lifetime = o.expiresInSeconds ?? ttl;
      return { access: mintAccess(lifetime), refresh: mintRefresh(), expires: Date.now() + lifetime * 1000 };
    },
    revoke: (token) => {
      const grant = access.get(token);
      if (grant) grant.revoked = true;
    },
    acceptsAccess: (token) => {
      const grant = access.get(token);
      return grant !== undefined && !grant.revoked && grant.expiresAtMs > Date.now();
    },
    nextCodexRequest: () =>
      new Promise<CodexRequest>((resolve) => {
        const ready = codexRequests[codexTaken];
        if (ready) {
          codexTaken++;
          resolve(ready);
        } else codexWaiters.push(resolve);
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The Responses event stream ChatGPT's Codex backend sends (`response.completed` ends it). */
function streamCodexReply(res: ServerResponse, model: string, text: string): void {
  let sequence = 0;
  const send = (type: string, fields: Record<string, unknown>) =>
    res.write(sseFrame({ type, sequence_number: sequence++, ...fields }, { event: type }));
  const id = randomId("resp_", 48, "0123456789abcdef");
  const itemId = randomId("msg_", 48, "0123456789abcdef");
  const response = {
    id,
    object: "response",
    created_at: unixSeconds(),
    status: "in_progress",
    model,
    output: [],
  };
  const part = (t: string) => ({ type: "output_text", annotations: [], logprobs: [], text: t });
  const item = (done: boolean) => ({
    id: itemId,
    type: "message",
    status: done ? "completed" : "in_progress",
    role: "assistant",
    content: done ? [part(text)] : [],
  });
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  openSse(res);
  send("response.created", { response });
  send("response.in_progress", { response });
  send("response.output_item.added", { output_index: 0, item: item(false) });
  send("response.content_part.added", { ...at, part: part("") });
  for (const piece of splitText(text, 3))
    send("response.output_text.delta", { ...at, delta: piece, logprobs: [] });
  send("response.output_text.done", { ...at, text, logprobs: [] });
  send("response.content_part.done", { ...at, part: part(text) });
  send("response.output_item.done", { output_index: 0, item: item(true) });
  const tokens = Math.max(1, Math.ceil(text.length / 4));
  send("response.completed", {
    response: {
      ...response,
      status: "completed",
      output: [item(true)],
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: tokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 10 + tokens,
      },
    },
  });
  res.end();
}
