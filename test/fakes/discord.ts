// Fake Discord (discord.com/developers/docs): the REST API under `/api/v10` (Bot-token auth,
// JSON error bodies `{message, code}`, 429 with `retry_after` in the body and `Retry-After` +
// `X-RateLimit-*` headers) and the gateway WebSocket speaking the documented opcodes: HELLO (10)
// with heartbeat_interval, IDENTIFY (2) → READY, then one GUILD_CREATE per guild, HEARTBEAT (1) →
// HEARTBEAT_ACK (11), RESUME (6) → the missed dispatches with their sequence numbers then RESUMED,
// INVALID_SESSION (9), close 4004 for a bad token. Dispatches honour the IDENTIFY intents, and
// without MESSAGE_CONTENT guild messages that do not mention the bot arrive with empty content.
// Messages the bot sends come back to it as MESSAGE_CREATE, as on Discord. File uploads are
// multipart (`payload_json` + `files[n]`, each announced in `attachments`), up to 10 MiB a file;
// user attachments are served from a CDN path on the same server, without auth, as Discord's are.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { sendJson } from "./http-server.ts";
import { StateWaiters } from "./state-waiters.ts";

export interface FakeDiscordOptions {
  /** The only token accepted; any other gets 401 (REST) or close 4004 (gateway). */
  token?: string;
  botId?: string;
  botUsername?: string;
  heartbeatIntervalMs?: number;
  guilds?: FakeGuild[];
}

export interface FakeGuild {
  id: string;
  name?: string;
  channels: { id: string; name?: string }[];
  threads?: { id: string; parentId: string; name?: string }[];
}

export interface BotMessage {
  id: string;
  channelId: string;
  content: string;
  body: Record<string, unknown>;
  /** Files uploaded with the message (multipart `files[n]`). */
  files: UploadedFile[];
}

export interface UploadedFile {
  /** The multipart field (`files[0]`). */
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface UserAttachment {
  fileName: string;
  contentType: string;
  data: Uint8Array;
}

export type Route =
  | "getGatewayBot"
  | "getMe"
  | "getChannel"
  | "createMessage"
  | "typing"
  | "addReaction"
  | "removeReaction";

export interface ApiRequest {
  route: Route;
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

export type Failure = { kind: "rateLimit"; retryAfterS: number } | { kind: "server" };

export interface UserDm {
  userId: string;
  text: string;
  username?: string;
  globalName?: string;
  replyToMessageId?: string;
  attachments?: UserAttachment[];
}

export interface UserGuildMessage extends UserDm {
  guildId: string;
  /** The channel or thread the message is posted in. */
  channelId: string;
  mentionBot?: boolean;
  /** The author is a bot account. */
  bot?: boolean;
}

type GatewayOp = "identify" | "resume" | "heartbeat";

export interface FakeDiscord {
  /** What `channels.discord.apiBaseUrl` takes: the REST root without version. */
  apiBaseUrl: string;
  token: string;
  botId: string;
  botUsername: string;
  requests: ApiRequest[];
  sent: BotMessage[];
  /** IDENTIFY, RESUME and HEARTBEAT frames received, in order. */
  gatewayOps: GatewayOp[];
  /** The DM channel between the bot and `userId` (created on first use). */
  dmChannelOf(userId: string): string;
  userSendsDm(msg: UserDm): string;
  userSendsInGuild(msg: UserGuildMessage): string;
  /** Creates a thread under `parentId` and dispatches THREAD_CREATE. */
  createThread(q: { guildId: string; parentId: string; id: string; name?: string }): void;
  nextBotMessage(q: { channelId: string }): Promise<BotMessage>;
  /** Resolves once the `nth` frame of `op` arrived (counting earlier ones). */
  waitForGateway(op: GatewayOp, nth?: number): Promise<void>;
  waitForRequest(route: Route, nth?: number): Promise<ApiRequest>;
  failNext(route: Route, failure: Failure): void;
  /** Ends the bot's socket without a close frame (a network drop); its session stays resumable. */
  dropSocket(): void;
  /** Sends INVALID_SESSION (not resumable) and forgets the session; the bot must IDENTIFY again. */
  invalidateSession(): void;
  close(): Promise<void>;
}

const API_PREFIX = "/api/v10";
const MAX_CONTENT = 2000;
/** Upload limit of a bot on an unboosted server. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const INTENT = { guilds: 1 << 0, guildMessages: 1 << 9, directMessages: 1 << 12, messageContent: 1 << 15 };
const DISCORD_EPOCH = 1_420_070_400_000n;
const THREAD_TYPES = new Set([10, 11, 12]);

interface Session {
  id: string;
  seq: number;
  intents: number;
  events: { op: 0; t: string; s: number; d: unknown }[];
  socket: WebSocket | undefined;
}

interface RequestBody {
  json: Record<string, unknown> | undefined;
  files: UploadedFile[];
}

/** A JSON body, or a multipart one: `payload_json` is the JSON, the other parts are files. */
async function readBody(req: IncomingMessage): Promise<RequestBody> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const type = req.headers["content-type"] ?? "";
  if (type.includes("multipart/form-data")) {
    const form = await new Response(body, { headers: { "content-type": type } }).formData();
    const files: UploadedFile[] = [];
    let json: Record<string, unknown> | undefined;
    for (const [field, value] of form) {
      if (typeof value === "string") {
        if (field === "payload_json") json = JSON.parse(value) as Record<string, unknown>;
      } else {
        files.push({
          field,
          name: value.name,
          contentType: value.type,
          data: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { json, files };
  }
  const raw = body.toString("utf8");
  return { json: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined, files: [] };
}

export async function startFakeDiscord(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = opts.token ?? "MTIzNDU2Nzg5MDEyMzQ1Njc4.fake.discord-test-token";
  const heartbeatMs = opts.heartbeatIntervalMs ?? 41_250;
  let counter = 0n;
  const snowflake = (): string =>
    String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (counter++ & 0xfffn));
  const botUser = {
    id: opts.botId ?? "1100000000000000001",
    username: opts.botUsername ?? "claw_test_bot",
    discriminator: "0",
    global_name: null,
    avatar: null,
    bot: true,
    flags: 0,
  };
  const guilds = opts.guilds ?? [];
  const channels = new Map<string, Record<string, unknown>>();
  for (const g of guilds) {
    g.channels.forEach((c, i) => {
      channels.set(c.id, { id: c.id, type: 0, guild_id: g.id, name: c.name ?? `channel-${i}`, position: i });
    });
    for (const t of g.threads ?? []) channels.set(t.id, threadObject(g.id, t.parentId, t.id, t.name));
  }
  const dmChannels = new Map<string, string>();
  const requests: ApiRequest[] = [];
  const sent: BotMessage[] = [];
  const gatewayOps: GatewayOp[] = [];
  const failures = new Map<Route, Failure[]>();
  const cursors = new Map<string, number>();
  const sessions = new Map<string, Session>();
  let current: Session | undefined;
  const closing = new AbortController();
  const waiters = new StateWaiters("Discord", closing.signal);
  let origin = "";

  const notify = (): void => waiters.notify();

  function threadObject(
    guildId: string,
    parentId: string,
    id: string,
    name?: string,
  ): Record<string, unknown> {
    const now = new Date().toISOString();
    return {
      id,
      type: 11,
      guild_id: guildId,
      parent_id: parentId,
      name: name ?? "thread",
      owner_id: botUser.id,
      thread_metadata: {
        archived: false,
        auto_archive_duration: 1440,
        archive_timestamp: now,
        locked: false,
      },
      message_count: 0,
      member_count: 1,
      rate_limit_per_user: 0,
      flags: 0,
    };
  }

  const dispatch = (t: string, d: unknown, needs: number, session = current): void => {
    if (!session || (session.intents & needs) !== needs) return;
    const event = { op: 0 as const, t, s: ++session.seq, d };
    session.events.push(event);
    session.socket?.send(JSON.stringify(event));
  };

  const guildCreate = (g: FakeGuild): Record<string, unknown> => ({
    id: g.id,
    name: g.name ?? "Test guild",
    icon: null,
    owner_id: "1",
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      {
        id: g.id,
        name: "@everyone",
        permissions: "1071698660929",
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        flags: 0,
      },
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    joined_at: new Date().toISOString(),
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [
      { user: botUser, roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
    ],
    channels: [...channels.values()]
      .filter((c) => c["guild_id"] === g.id && !THREAD_TYPES.has(c["type"] as number))
      .map(({ guild_id: _omitted, ...c }) => ({
        ...c,
        permission_overwrites: [],
        parent_id: null,
        nsfw: false,
      })),
    threads: [...channels.values()].filter(
      (c) => c["guild_id"] === g.id && THREAD_TYPES.has(c["type"] as number),
    ),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: "en-US",
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    description: null,
    banner: null,
    splash: null,
    discovery_splash: null,
    vanity_url_code: null,
  });

  const identify = (ws: WebSocket, d: { token?: string; intents?: number }): void => {
    if (d.token !== token) {
      ws.close(4004, "Authentication failed.");
      return;
    }
    const session: Session = { id: snowflake(), seq: 0, intents: d.intents ?? 0, events: [], socket: ws };
    sessions.set(session.id, session);
    current = session;
    dispatch(
      "READY",
      {
        v: 10,
        user: { ...botUser, verified: true, mfa_enabled: false },
        guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
        session_id: session.id,
        resume_gateway_url: `${origin.replace(/^http/, "ws")}/resume`,
        shard: [0, 1],
        application: { id: botUser.id, flags: 0 },
        private_channels: [],
        relationships: [],
        user_settings: {},
      },
      0,
      session,
    );
    for (const g of guilds) dispatch("GUILD_CREATE", guildCreate(g), INTENT.guilds, session);
  };

  const resume = (ws: WebSocket, d: { token?: string; session_id?: string; seq?: number }): void => {
    const session = d.token === token && d.session_id ? sessions.get(d.session_id) : undefined;
    if (!session) return void ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
    session.socket = ws;
    current = session;
    for (const e of session.events) if (e.s > (d.seq ?? 0)) ws.send(JSON.stringify(e));
    dispatch("RESUMED", {}, 0, session);
  };

  const onSocket = (ws: WebSocket): void => {
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: heartbeatMs }, s: null, t: null }));
    ws.on("message", (raw) => {
      const frame = JSON.parse(String(raw)) as { op: number; d: never };
      if (frame.op === 1) {
        gatewayOps.push("heartbeat");
        ws.send(JSON.stringify({ op: 11, s: null, t: null, d: null }));
      } else if (frame.op === 2) {
        gatewayOps.push("identify");
        identify(ws, frame.d);
      } else if (frame.op === 6) {
        gatewayOps.push("resume");
        resume(ws, frame.d);
      } else if (![3, 4, 8].includes(frame.op)) {
        // Presence, voice state and member requests are accepted and ignored; anything else is
        // an opcode a client must not send.
        ws.close(4001, "Unknown opcode.");
      }
      notify();
    });
    ws.on("close", () => {
      for (const s of sessions.values()) if (s.socket === ws) s.socket = undefined;
    });
  };

  /** Bytes served at `/attachments/<channel>/<id>/<name>`, as Discord's CDN serves them. */
  const cdn = new Map<string, Uint8Array>();
  const attachmentObject = (channelId: string, name: string, contentType: string, data: Uint8Array) => {
    const id = snowflake();
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(name)}`;
    cdn.set(path, data);
    return {
      id,
      filename: name,
      size: data.byteLength,
      url: `${origin}${path}`,
      proxy_url: `${origin}${path}`,
      content_type: contentType,
    };
  };

  const createMessage = (
    res: ServerResponse,
    channelId: string,
    body: Record<string, unknown> | undefined,
    files: UploadedFile[],
  ) => {
    const channel = channels.get(channelId);
    if (!channel) return sendJson(res, 404, { message: "Unknown Channel", code: 10003 });
    const content = typeof body?.["content"] === "string" ? body["content"] : "";
    if (files.some((f) => f.data.byteLength > MAX_FILE_BYTES))
      return sendJson(res, 413, { message: "Request entity too large", code: 40005 });
    // Each uploaded file must be announced in `attachments` by the index of its `files[n]` part.
    const announced = (body?.["attachments"] as { id?: unknown }[] | undefined) ?? [];
    for (const f of files) {
      const index = /^files\[(\d+)\]$/.exec(f.field)?.[1];
      if (index === undefined || !announced.some((a) => String(a.id) === index))
        return sendJson(res, 400, { message: "Invalid Form Body", code: 50035 });
    }
    if (content.trim() === "" && files.length === 0)
      return sendJson(res, 400, { message: "Cannot send an empty message", code: 50006 });
    if (content.length > MAX_CONTENT)
      return sendJson(res, 400, {
        message: "Invalid Form Body",
        code: 50035,
        errors: {
          content: {
            _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }],
          },
        },
      });
    const message = {
      id: snowflake(),
      type: 0,
      channel_id: channelId,
      author: botUser,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: files.map((f) => attachmentObject(channelId, f.name, f.contentType, f.data)),
      embeds: [],
      pinned: false,
      flags: 0,
    };
    sent.push({ id: message.id, channelId, content, body: body ?? {}, files });
    sendJson(res, 200, message);
    const guildId = channel["guild_id"] as string | undefined;
    dispatch(
      "MESSAGE_CREATE",
      { ...message, ...(guildId ? { guild_id: guildId } : {}) },
      guildId ? INTENT.guildMessages : INTENT.directMessages,
    );
    notify();
  };

  const route = (method: string, path: string): { route: Route; id?: string } | undefined => {
    if (method === "GET" && path === "/gateway/bot") return { route: "getGatewayBot" };
    if (method === "GET" && path === "/users/@me") return { route: "getMe" };
    const reaction = /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/([^/]+)\/@me$/.exec(path);
    if (reaction && method === "PUT") return { route: "addReaction", id: reaction[1]! };
    if (reaction && method === "DELETE") return { route: "removeReaction", id: reaction[1]! };
    const m = /^\/channels\/(\d+)(\/messages|\/typing)?$/.exec(path);
    if (!m) return undefined;
    if (method === "GET" && !m[2]) return { route: "getChannel", id: m[1]! };
    if (method === "POST" && m[2] === "/messages") return { route: "createMessage", id: m[1]! };
    if (method === "POST" && m[2] === "/typing") return { route: "typing", id: m[1]! };
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", origin);
    const { json: body, files } = await readBody(req);
    const served = req.method === "GET" ? cdn.get(url.pathname) : undefined;
    if (served) {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": served.byteLength });
      res.end(served);
      return;
    }
    if (!url.pathname.startsWith(API_PREFIX))
      return sendJson(res, 404, { message: "404: Not Found", code: 0 });
    const path = decodeURIComponent(url.pathname.slice(API_PREFIX.length));
    const method = req.method ?? "GET";
    if (req.headers.authorization !== `Bot ${token}`)
      return sendJson(res, 401, { message: "401: Unauthorized", code: 0 });
    const r = route(method, path);
    if (!r) return sendJson(res, 404, { message: "404: Not Found", code: 0 });
    requests.push({ route: r.route, method, path, body });
    notify();
    const failure = failures.get(r.route)?.shift();
    if (failure?.kind === "rateLimit") {
      const s = failure.retryAfterS;
      return sendJson(
        res,
        429,
        { message: "You are being rate limited.", retry_after: s, global: false },
        {
          "retry-after": String(Math.ceil(s)),
          "x-ratelimit-limit": "5",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Date.now() / 1000 + s),
          "x-ratelimit-reset-after": String(s),
          "x-ratelimit-bucket": `fake-${r.route}`,
          "x-ratelimit-scope": "user",
        },
      );
    }
    if (failure?.kind === "server")
      return sendJson(res, 500, { message: "500: Internal Server Error", code: 0 });
    switch (r.route) {
      case "getGatewayBot":
        return sendJson(res, 200, {
          url: `${origin.replace(/^http/, "ws")}/gateway`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        });
      case "getMe":
        return sendJson(res, 200, botUser);
      case "getChannel": {
        const channel = channels.get(r.id!);
        return channel
          ? sendJson(res, 200, channel)
          : sendJson(res, 404, { message: "Unknown Channel", code: 10003 });
      }
      case "createMessage":
        return createMessage(res, r.id!, body, files);
      case "typing":
      case "addReaction":
      case "removeReaction":
        if (!channels.has(r.id!)) return sendJson(res, 404, { message: "Unknown Channel", code: 10003 });
        res.writeHead(204).end();
        return;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      sendJson(res, 500, { message: `fake Discord crashed: ${String(err)}`, code: 0 }),
    );
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path !== "/gateway" && path !== "/resume") return socket.destroy();
    wss.handleUpgrade(req, socket, head, onSocket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const waitFor = <T>(check: () => T | undefined, what: string): Promise<T> => waiters.waitFor(check, what);

  const user = (m: UserDm & { bot?: boolean }) => ({
    id: m.userId,
    username: m.username ?? `user${m.userId.slice(-4)}`,
    discriminator: "0",
    global_name: m.globalName ?? null,
    avatar: null,
    ...(m.bot ? { bot: true } : {}),
  });

  const userMessage = (m: UserDm & { bot?: boolean }, channelId: string, mentions: unknown[]) => {
    const replied = m.replyToMessageId ? sent.find((s) => s.id === m.replyToMessageId) : undefined;
    return {
      id: snowflake(),
      type: replied ? 19 : 0,
      channel_id: channelId,
      author: user(m),
      content: m.text,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions,
      mention_roles: [],
      attachments: (m.attachments ?? []).map((a) =>
        attachmentObject(channelId, a.fileName, a.contentType, a.data),
      ),
      embeds: [],
      pinned: false,
      flags: 0,
      ...(replied
        ? {
            message_reference: { type: 0, message_id: replied.id, channel_id: channelId },
            referenced_message: {
              id: replied.id,
              type: 0,
              channel_id: channelId,
              author: botUser,
              content: replied.content,
              timestamp: new Date().toISOString(),
              edited_timestamp: null,
              tts: false,
              mention_everyone: false,
              mentions: [],
              mention_roles: [],
              attachments: [],
              embeds: [],
              pinned: false,
              flags: 0,
            },
          }
        : {}),
    };
  };

  const requireSession = (): Session => {
    if (!current)
      throw new Error(
        "fake Discord: the bot has no gateway session yet; await waitForGateway('identify') first",
      );
    return current;
  };

  const dmChannelOf = (userId: string): string => {
    let id = dmChannels.get(userId);
    if (!id) {
      id = snowflake();
      dmChannels.set(userId, id);
      channels.set(id, { id, type: 1, recipients: [user({ userId, text: "" })], last_message_id: null });
    }
    return id;
  };

  return {
    apiBaseUrl: `${origin}/api`,
    token,
    botId: botUser.id,
    botUsername: botUser.username,
    requests,
    sent,
    gatewayOps,
    dmChannelOf,
    userSendsDm(m) {
      requireSession();
      const message = userMessage(m, dmChannelOf(m.userId), []);
      dispatch("MESSAGE_CREATE", message, INTENT.directMessages);
      return message.id;
    },
    userSendsInGuild(m) {
      const session = requireSession();
      const text = m.mentionBot ? `<@${botUser.id}> ${m.text}` : m.text;
      const message = userMessage(
        { ...m, text },
        m.channelId,
        m.mentionBot
          ? [
              {
                ...botUser,
                member: {
                  roles: [],
                  joined_at: new Date().toISOString(),
                  deaf: false,
                  mute: false,
                  flags: 0,
                },
              },
            ]
          : [],
      );
      const hidden = (session.intents & INTENT.messageContent) === 0 && !m.mentionBot;
      const member = { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 };
      dispatch(
        "MESSAGE_CREATE",
        { ...message, ...(hidden ? { content: "" } : {}), guild_id: m.guildId, member },
        INTENT.guildMessages,
      );
      return message.id;
    },
    createThread({ guildId, parentId, id, name }) {
      const thread = threadObject(guildId, parentId, id, name);
      channels.set(id, thread);
      dispatch("THREAD_CREATE", { ...thread, newly_created: true }, INTENT.guilds);
    },
    nextBotMessage({ channelId }) {
      return waitFor(() => {
        const seen = cursors.get(channelId) ?? 0;
        const next = sent.filter((s) => s.channelId === channelId)[seen];
        if (next) cursors.set(channelId, seen + 1);
        return next;
      }, `a bot message in ${channelId}`);
    },
    waitForGateway(op, nth = 1) {
      return waitFor(
        () => (gatewayOps.filter((o) => o === op).length >= nth ? true : undefined),
        `${op} ${nth}`,
      ).then(() => undefined);
    },
    waitForRequest(r, nth = 1) {
      return waitFor(() => requests.filter((q) => q.route === r)[nth - 1], `request ${nth} of ${r}`);
    },
    failNext(r, failure) {
      failures.set(r, [...(failures.get(r) ?? []), failure]);
    },
    dropSocket() {
      requireSession().socket?.terminate();
    },
    invalidateSession() {
      const session = requireSession();
      sessions.delete(session.id);
      current = undefined;
      session.socket?.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
    },
    async close() {
      closing.abort();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
