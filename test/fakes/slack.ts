// Fake Slack (docs.slack.dev): the Web API at `<origin>/api/<method>` (POST, form-urlencoded or
// JSON bodies, token in `Authorization: Bearer` or a `token` field) answering `{ok:true,…}` or
// `{ok:false,error}` with HTTP 200, and HTTP 429 with `Retry-After` when rate limited; plus the
// Socket Mode WebSocket that `apps.connections.open` hands out. The socket greets with `hello`,
// delivers `events_api` envelopes and keeps every one not acknowledged with `{envelope_id}`,
// redelivering it on the next connection with a higher `retry_attempt`, as Slack does. Files go
// up in three steps (files.getUploadURLExternal → POST of the bytes to the returned URL →
// files.completeUploadExternal, which shares them); user files are served at `url_private` only
// with the bot token.
import { createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { StateWaiters } from "./state-waiters.ts";

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  /** Slack sends the bot's own posts back as `message` events; on by default. */
  echoBotMessages?: boolean;
}

export interface UserMessage {
  user: string;
  channel: string;
  text: string;
  /** `im` (a DM, the default for D… ids), `channel`, `group` (private channel) or `mpim`. */
  channelType?: "im" | "channel" | "group" | "mpim";
  /** Replies in this thread. */
  threadTs?: string;
  /** Also deliver the `app_mention` event Slack sends when the text mentions the bot. */
  withAppMention?: boolean;
  /** Files shared with the message (`subtype: file_share`). */
  files?: { name: string; mimetype: string; data: Uint8Array }[];
}

/** A file the bot uploaded and shared. */
export interface SharedFile {
  id: string;
  name: string;
  data: Buffer;
}

export interface BotMessage {
  channel: string;
  ts: string;
  text: string;
  threadTs: string | undefined;
  params: Record<string, unknown>;
  /** Set when the message is a files.completeUploadExternal share; `text` is its initial_comment. */
  files?: SharedFile[];
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  token: string | undefined;
}

export type Failure = { kind: "ratelimited"; retryAfterS: number } | { kind: "error"; error: string };

export interface Injected {
  ts: string;
  envelopeIds: string[];
}

export interface FakeSlack {
  /** What `channels.slack.apiUrl` takes (ends with `/api/`). */
  apiUrl: string;
  botToken: string;
  appToken: string;
  teamId: string;
  botUserId: string;
  calls: ApiCall[];
  sent: BotMessage[];
  /** Envelope ids the client acknowledged → how many deliveries it had taken by then. */
  acked: Map<string, number>;
  /** Socket Mode connections opened so far (each got a `hello`). */
  connections(): number;
  /** Delivers a user's message as an `events_api` envelope (queued while no socket is open). */
  userSends(msg: UserMessage): Injected;
  nextBotMessage(q: { channel: string }): Promise<BotMessage>;
  waitForCall(method: string, nth?: number): Promise<ApiCall>;
  waitForAck(envelopeId: string): Promise<void>;
  /** Resolves once `n` Socket Mode connections have been greeted. */
  waitForConnections(n: number): Promise<void>;
  /** Makes the next call of `method` fail as Slack would. */
  failNext(method: string, failure: Failure): void;
  /** Cuts every open socket without a close frame, as a network fault would. */
  dropSockets(): void;
  /** Sends Slack's `disconnect` message (the client is expected to reconnect). */
  sendDisconnect(reason: "refresh_requested" | "link_disabled" | "warning"): void;
  /**
   * Events API over HTTP (`mode: "http"`): POSTs every event not yet acknowledged to `url`,
   * signed with `signingSecret` as Slack signs requests; a 2xx answer acknowledges it, anything
   * else leaves it for the next delivery (with `X-Slack-Retry-Num`). Resolves with the statuses.
   */
  deliverOverHttp(url: string, signingSecret: string): Promise<number[]>;
  /** POSTs `body` to `url` signed with `signingSecret` (the url_verification handshake, forged requests). */
  postSigned(
    url: string,
    signingSecret: string,
    body: string,
    opts?: { timestampS?: number; signature?: string },
  ): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

interface Envelope {
  envelope_id: string;
  payload: Record<string, unknown>;
  attempts: number;
}

const MAX_TEXT = 40_000;
const BOT_ONLY = new Set([
  "auth.test",
  "chat.postMessage",
  "assistant.threads.setStatus",
  "files.getUploadURLExternal",
  "files.completeUploadExternal",
]);

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  if (!raw) return {};
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) return JSON.parse(raw) as Record<string, unknown>;
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  throw new Error(`fake Slack: unsupported content-type ${type}`);
}

function tokenOf(req: IncomingMessage, params: Record<string, unknown>): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice("Bearer ".length).trim();
  return typeof params["token"] === "string" ? params["token"] : undefined;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = opts.botToken ?? "xoxb-1111-2222-fakebottoken";
  const appToken = opts.appToken ?? "xapp-1-A0FAKE-3333-fakeapptoken";
  const teamId = opts.teamId ?? "T0FAKE";
  const bot = {
    userId: opts.botUserId ?? "U0BOT",
    botId: opts.botId ?? "B0BOT",
    name: opts.botName ?? "claw",
  };
  const echo = opts.echoBotMessages ?? true;
  const calls: ApiCall[] = [];
  const sent: BotMessage[] = [];
  const acked = new Map<string, number>();
  const unacked = new Map<string, Envelope>();
  const knownChannels = new Set<string>();
  /** Who wrote each message, for `parent_user_id` on thread replies. */
  const authors = new Map<string, string>();
  const failures = new Map<string, Failure[]>();
  const tickets = new Set<string>();
  const sockets = new Set<WebSocket>();
  const cursors = new Map<string, number>();
  const closing = new AbortController();
  const waiters = new StateWaiters("Slack", closing.signal);
  let greeted = 0;
  let clock = Math.floor(Date.now() / 1000);
  let seq = 0;

  const notify = (): void => waiters.notify();
  const nextTs = (): string => {
    seq++;
    if (seq > 999_999) {
      seq = 1;
      clock++;
    }
    return `${clock}.${String(seq).padStart(6, "0")}`;
  };

  const deliver = (env: Envelope): void => {
    env.attempts++;
    const frame = JSON.stringify({
      envelope_id: env.envelope_id,
      payload: env.payload,
      type: "events_api",
      accepts_response_payload: false,
      retry_attempt: env.attempts - 1,
      retry_reason: env.attempts > 1 ? "timeout" : "",
    });
    for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  };

  const enqueue = (event: Record<string, unknown>): string => {
    const env: Envelope = {
      envelope_id: randomUUID(),
      payload: {
        token: "verification-token-unused",
        team_id: teamId,
        api_app_id: "A0FAKE",
        event,
        type: "event_callback",
        event_id: `Ev${randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [
          {
            enterprise_id: null,
            team_id: teamId,
            user_id: bot.userId,
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
      },
      attempts: 0,
    };
    unacked.set(env.envelope_id, env);
    const open = [...sockets].some((ws) => ws.readyState === WebSocket.OPEN);
    if (open) deliver(env);
    return env.envelope_id;
  };

  const postMessage = (res: ServerResponse, params: Record<string, unknown>) => {
    const channel = typeof params["channel"] === "string" ? params["channel"] : "";
    const text = typeof params["text"] === "string" ? params["text"] : "";
    if (!knownChannels.has(channel)) return reply(res, 200, { ok: false, error: "channel_not_found" });
    if (text.trim() === "" && params["blocks"] === undefined)
      return reply(res, 200, { ok: false, error: "no_text" });
    if (text.length > MAX_TEXT) return reply(res, 200, { ok: false, error: "msg_too_long" });
    const threadTs =
      typeof params["thread_ts"] === "string" && params["thread_ts"] ? params["thread_ts"] : undefined;
    const ts = nextTs();
    const message = { type: "message", text, user: bot.userId, bot_id: bot.botId, ts, team: teamId };
    sent.push({ channel, ts, text, threadTs, params });
    authors.set(ts, bot.userId);
    reply(res, 200, {
      ok: true,
      channel,
      ts,
      message: { ...message, ...(threadTs ? { thread_ts: threadTs } : {}) },
    });
    if (echo)
      enqueue({
        ...message,
        channel,
        event_ts: ts,
        channel_type: channel.startsWith("D") ? "im" : "channel",
        ...(threadTs ? { thread_ts: threadTs, parent_user_id: bot.userId } : {}),
      });
    notify();
  };

  /** Uploads announced by files.getUploadURLExternal, by file id; `data` once posted. */
  const uploads = new Map<string, { name: string; length: number; data?: Buffer }>();
  /** Files users shared, served at their `url_private`. */
  const userFiles = new Map<string, Uint8Array>();

  const getUploadUrl = (res: ServerResponse, params: Record<string, unknown>) => {
    const name = typeof params["filename"] === "string" ? params["filename"] : "";
    const length = Number(params["length"]);
    if (!name || !Number.isInteger(length) || length <= 0)
      return reply(res, 200, { ok: false, error: "invalid_arguments" });
    const id = `F${randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
    uploads.set(id, { name, length });
    return reply(res, 200, { ok: true, upload_url: `${origin}/upload/v1/${id}`, file_id: id });
  };

  /** The upload URL takes the bytes raw or as a multipart form (one file part). */
  const receiveUpload = async (req: IncomingMessage, res: ServerResponse, id: string) => {
    const upload = uploads.get(id);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!upload || req.method !== "POST") return void res.writeHead(404).end();
    let data = Buffer.concat(chunks);
    const type = req.headers["content-type"] ?? "";
    if (type.includes("multipart/form-data")) {
      const form = await new Response(data, { headers: { "content-type": type } }).formData();
      const file = [...form.values()].find((v): v is File => typeof v !== "string");
      if (!file) return void res.writeHead(400).end("no file");
      data = Buffer.from(await file.arrayBuffer());
    }
    if (data.byteLength !== upload.length) return void res.writeHead(400).end("length mismatch");
    upload.data = data;
    res.writeHead(200, { "content-type": "text/plain" }).end(`OK - ${data.byteLength}`);
  };

  const completeUpload = (res: ServerResponse, params: Record<string, unknown>) => {
    const raw = params["files"];
    const listed = (typeof raw === "string" ? JSON.parse(raw) : raw) as
      | { id?: string; title?: string }[]
      | undefined;
    if (!Array.isArray(listed) || listed.length === 0)
      return reply(res, 200, { ok: false, error: "invalid_arguments" });
    const files: SharedFile[] = [];
    for (const f of listed) {
      const upload = f.id ? uploads.get(f.id) : undefined;
      if (!upload?.data) return reply(res, 200, { ok: false, error: "file_not_found" });
      files.push({ id: f.id!, name: upload.name, data: upload.data });
    }
    const channel = typeof params["channel_id"] === "string" ? params["channel_id"] : undefined;
    if (channel !== undefined && !knownChannels.has(channel))
      return reply(res, 200, { ok: false, error: "channel_not_found" });
    const threadTs =
      typeof params["thread_ts"] === "string" && params["thread_ts"] ? params["thread_ts"] : undefined;
    const comment = typeof params["initial_comment"] === "string" ? params["initial_comment"] : "";
    if (channel !== undefined) {
      sent.push({ channel, ts: nextTs(), text: comment, threadTs, params, files });
      notify();
    }
    return reply(res, 200, {
      ok: true,
      files: files.map((f) => ({ id: f.id, name: f.name, title: f.name, size: f.data.byteLength })),
    });
  };

  let origin = "";
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const upload = /^\/upload\/v1\/(\w+)$/.exec(url.pathname);
    if (upload) return receiveUpload(req, res, upload[1]!);
    const filePath = /^\/files-pri\/([^/]+)\/.+$/.exec(url.pathname);
    if (filePath && req.method === "GET") {
      const data = userFiles.get(filePath[1]!);
      // Without the bot token Slack answers with its sign-in page, never the file.
      if (!data || req.headers.authorization !== `Bearer ${botToken}`)
        return void res.writeHead(data ? 403 : 404).end();
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.byteLength });
      return void res.end(data);
    }
    const m = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    if (!m || req.method !== "POST") return reply(res, 404, { ok: false, error: "unknown_method" });
    const method = m[1]!;
    const params = await readParams(req);
    const token = tokenOf(req, params);
    if (!token) return reply(res, 200, { ok: false, error: "not_authed" });
    if (token !== botToken && token !== appToken)
      return reply(res, 200, { ok: false, error: "invalid_auth" });
    calls.push({ method, params, token });
    notify();
    const failure = failures.get(method)?.shift();
    if (failure?.kind === "ratelimited")
      return reply(
        res,
        429,
        { ok: false, error: "ratelimited" },
        { "retry-after": String(failure.retryAfterS) },
      );
    if (failure?.kind === "error") return reply(res, 200, { ok: false, error: failure.error });
    if (BOT_ONLY.has(method) && token !== botToken)
      return reply(res, 200, { ok: false, error: "not_allowed_token_type" });
    switch (method) {
      case "auth.test":
        return reply(res, 200, {
          ok: true,
          url: "https://fake-workspace.slack.com/",
          team: "Fake Workspace",
          user: bot.name,
          team_id: teamId,
          user_id: bot.userId,
          bot_id: bot.botId,
          is_enterprise_install: false,
        });
      case "apps.connections.open": {
        if (token !== appToken) return reply(res, 200, { ok: false, error: "not_allowed_token_type" });
        const ticket = randomUUID();
        tickets.add(ticket);
        return reply(res, 200, { ok: true, url: `${origin.replace("http:", "ws:")}/link/?ticket=${ticket}` });
      }
      case "chat.postMessage":
        return postMessage(res, params);
      case "assistant.threads.setStatus":
        return reply(res, 200, { ok: true });
      case "reactions.add":
      case "reactions.remove": {
        const name = typeof params["name"] === "string" ? params["name"] : "";
        if (!/^[a-z0-9_+'-]+$/.test(name)) return reply(res, 200, { ok: false, error: "invalid_name" });
        if (typeof params["timestamp"] !== "string" || !knownChannels.has(String(params["channel"])))
          return reply(res, 200, { ok: false, error: "message_not_found" });
        return reply(res, 200, { ok: true });
      }
      case "files.getUploadURLExternal":
        return getUploadUrl(res, params);
      case "files.completeUploadExternal":
        return completeUpload(res, params);
      default:
        return reply(res, 200, { ok: false, error: "unknown_method" });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      reply(res, 500, { ok: false, error: `fake_crashed: ${String(err)}` }),
    );
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const ticket = url.searchParams.get("ticket") ?? "";
    // A ticket from apps.connections.open is good for one connection.
    if (url.pathname !== "/link/" || !tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on("close", () => sockets.delete(ws));
      ws.on("message", (data) => {
        let msg: { envelope_id?: unknown };
        try {
          msg = JSON.parse(String(data)) as { envelope_id?: unknown };
        } catch {
          return; // Slack ignores what it cannot parse
        }
        if (typeof msg.envelope_id !== "string") return;
        const env = unacked.get(msg.envelope_id);
        if (!env) return; // acknowledged twice, or never sent: Slack ignores it
        acked.set(msg.envelope_id, env.attempts);
        unacked.delete(msg.envelope_id);
        notify();
      });
      ws.send(
        JSON.stringify({
          type: "hello",
          num_connections: sockets.size,
          debug_info: { host: "applink-fake", build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: "A0FAKE" },
        }),
      );
      greeted++;
      // Envelopes nobody acknowledged come again on the new connection.
      for (const env of unacked.values()) deliver(env);
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const waitFor = <T>(check: () => T | undefined, what: string): Promise<T> => waiters.waitFor(check, what);

  return {
    apiUrl: `${origin}/api/`,
    botToken,
    appToken,
    teamId,
    botUserId: bot.userId,
    calls,
    sent,
    acked,
    connections: () => greeted,
    userSends(msg) {
      knownChannels.add(msg.channel);
      const ts = nextTs();
      const channelType = msg.channelType ?? (msg.channel.startsWith("D") ? "im" : "channel");
      const common = {
        channel: msg.channel,
        user: msg.user,
        text: msg.text,
        ts,
        event_ts: ts,
        team: teamId,
        ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
        ...(msg.files?.length
          ? {
              subtype: "file_share",
              files: msg.files.map((f) => {
                const id = `F${randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;
                userFiles.set(`${teamId}-${id}`, f.data);
                const url = `${origin}/files-pri/${teamId}-${id}/${encodeURIComponent(f.name)}`;
                return {
                  id,
                  name: f.name,
                  mimetype: f.mimetype,
                  size: f.data.byteLength,
                  url_private: url,
                  url_private_download: `${url}?download=1`,
                };
              }),
            }
          : {}),
      };
      authors.set(ts, msg.user);
      const envelopeIds = [
        enqueue({
          type: "message",
          ...common,
          channel_type: channelType,
          client_msg_id: randomUUID(),
          ...(msg.threadTs ? { parent_user_id: authors.get(msg.threadTs) ?? msg.user } : {}),
        }),
      ];
      if (msg.withAppMention) envelopeIds.push(enqueue({ type: "app_mention", ...common }));
      return { ts, envelopeIds };
    },
    nextBotMessage({ channel }) {
      return waitFor(() => {
        const seen = cursors.get(channel) ?? 0;
        const next = sent.filter((s) => s.channel === channel)[seen];
        if (next) cursors.set(channel, seen + 1);
        return next;
      }, `a bot message to ${channel}`);
    },
    waitForCall(method, nth = 1) {
      return waitFor(() => calls.filter((c) => c.method === method)[nth - 1], `call ${nth} of ${method}`);
    },
    waitForAck(envelopeId) {
      return waitFor(() => (acked.has(envelopeId) ? true : undefined), `the ack of ${envelopeId}`).then(
        () => undefined,
      );
    },
    waitForConnections(n) {
      return waitFor(() => (greeted >= n ? true : undefined), `${n} socket connections`).then(
        () => undefined,
      );
    },
    failNext(method, failure) {
      failures.set(method, [...(failures.get(method) ?? []), failure]);
    },
    dropSockets() {
      for (const ws of sockets) ws.terminate();
    },
    async deliverOverHttp(url, signingSecret) {
      const statuses: number[] = [];
      for (const env of [...unacked.values()]) {
        env.attempts++;
        const headers: Record<string, string> =
          env.attempts > 1 ? { "x-slack-retry-num": String(env.attempts - 1) } : {};
        const res = await signedPost(url, signingSecret, JSON.stringify(env.payload), headers);
        statuses.push(res.status);
        if (res.status >= 200 && res.status < 300) {
          acked.set(env.envelope_id, env.attempts);
          unacked.delete(env.envelope_id);
          notify();
        }
      }
      return statuses;
    },
    postSigned: (url, signingSecret, body, o = {}) => signedPost(url, signingSecret, body, {}, o),
    sendDisconnect(reason) {
      const frame = JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-fake" } });
      for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
    },
    async close() {
      closing.abort();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/**
 * A request signed as Slack signs them (docs.slack.dev, "Verifying requests from Slack"):
 * `v0=` + HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing secret.
 */
async function signedPost(
  url: string,
  signingSecret: string,
  body: string,
  extra: Record<string, string>,
  opts: { timestampS?: number; signature?: string } = {},
): Promise<{ status: number; body: string }> {
  const timestamp = String(opts.timestampS ?? Math.floor(Date.now() / 1000));
  const signature =
    opts.signature ??
    `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
      ...extra,
    },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.text() };
}
