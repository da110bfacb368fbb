import { createServer, type Server } from "node:http";

/** The provider redirected back with an error (RFC 6749 §4.1.2.1), or the redirect was not ours. */
export class OAuthCallbackError extends Error {
  override name = "OAuthCallbackError";
  /** `denied`: the provider said no (the sign-in is over); `port`: we cannot listen; else not a usable redirect. */
  readonly kind: "denied" | "mismatch" | "no-code" | "port";

  constructor(kind: OAuthCallbackError["kind"], message: string) {
    super(message);
    this.kind = kind;
  }
}

export interface AuthorizationCode {
  code: string;
}

export interface CallbackServer {
  /** Resolves with the code from the first valid redirect; rejects on a provider error or abort. */
  code: Promise<AuthorizationCode>;
  close(): Promise<void>;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><h2>${title}</h2><p>${text}</p></body></html>`;

/**
 * Parses what the browser was sent back with: `code` and `state`, or `error`. A wrong `state` is
 * refused (RFC 6749 §10.12: it may be a forged redirect). Pure.
 */
export function parseRedirect(url: URL, expectedState: string): AuthorizationCode {
  const error = url.searchParams.get("error");
  if (error) {
    const description = url.searchParams.get("error_description");
    throw new OAuthCallbackError(
      "denied",
      `sign-in failed: ${error}${description ? ` (${description})` : ""}`,
    );
  }
  const code = url.searchParams.get("code")?.trim();
  const state = url.searchParams.get("state")?.trim();
  if (!code) throw new OAuthCallbackError("no-code", "the redirect carries no authorization code");
  if (state !== expectedState)
    throw new OAuthCallbackError("mismatch", "state mismatch: this redirect is not from this sign-in");
  return { code };
}

/**
 * What a user pasted on a machine whose browser cannot reach our loopback port: the whole
 * redirect URL (its `state` is checked), or the bare code.
 */
export function parsePastedRedirect(input: string, expectedState: string): AuthorizationCode {
  const text = input.trim();
  if (!text) throw new OAuthCallbackError("no-code", "nothing was pasted");
  if (/^https?:\/\//i.test(text)) return parseRedirect(new URL(text), expectedState);
  if (text.includes("code="))
    return parseRedirect(new URL(`http://localhost/?${text.replace(/^\?/, "")}`), expectedState);
  return { code: text };
}

/**
 * Listens on the loopback host and port of `redirectUri` (the provider only redirects to the URI
 * registered for its client, so the port is not ours to choose) and answers the browser with a
 * short page. Requests to other paths get 404 and leave the wait open.
 */
export async function startCallbackServer(
  redirectUri: string,
  expectedState: string,
): Promise<CallbackServer> {
  const target = new URL(redirectUri);
  let settle!: { resolve(c: AuthorizationCode): void; reject(e: Error): void };
  const code = new Promise<AuthorizationCode>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", target.origin);
    if (url.pathname !== target.pathname) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not found");
      return;
    }
    try {
      const got = parseRedirect(url, expectedState);
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(PAGE("Signed in", "OpenClaw has your sign-in. You can close this window."));
      settle.resolve(got);
    } catch (err) {
      if (!(err instanceof OAuthCallbackError)) throw err;
      res
        .writeHead(400, { "content-type": "text/html; charset=utf-8" })
        .end(PAGE("Sign-in failed", escapeHtml(err.message)));
      // Anyone on this machine can reach the port: a stray or forged request must not end the wait.
      if (err.kind === "denied") settle.reject(err);
    }
  });
  // `localhost` in a registered redirect URI: bind IPv4 loopback, which every browser tries.
  const host = target.hostname === "localhost" ? "127.0.0.1" : target.hostname.replace(/^\[|\]$/g, "");
  const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new OAuthCallbackError(
              "port",
              `port ${port} is in use, so the sign-in redirect (${redirectUri}) cannot reach us; ` +
                "stop whatever listens there (another sign-in?) and try again",
            )
          : err,
      );
    });
    server.listen(port, host, resolve);
  });
  // A rejection nobody awaits yet (the caller is still printing the URL) must not crash the process.
  code.catch(() => undefined);
  return {
    code,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
