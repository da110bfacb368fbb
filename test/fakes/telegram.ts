// Fake Telegram Bot API (core.telegram.org/bots/api): `<apiRoot>/bot<token>/<method>` with GET
// query or POST JSON/form bodies, answers `{ok:true,result}` or the documented error body
// `{ok:false,error_code,description,parameters?}`. getUpdates long-polls with `offset`/`timeout`
// and confirms updates below `offset`, as Telegram does; a second concurrent poll ends the first
// with 409. Serves getMe, getUpdates, sendMessage, sendChatAction, setMyCommands, setWebhook,
// deleteWebhook, getWebhookInfo, sendPhoto/sendDocument (multipart uploads, `attach://` or the
// field itself; sendAudio and sendVoice alike), getFile with downloads from `<apiRoot>/file/bot<token>/<file_path>`, and
// setMessageReaction (Telegram's own emoji set only). While a webhook is set, getUpdates answers 409 and updates go out
// only when the test calls `deliverWebhookUpdate` (POST with `X-Telegram-Bot-Api-Secret-Token`;
// a non-2xx answer leaves the update for the next delivery, as Telegram retries).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StateWaiters } from "./state-waiters.ts";

export interface FakeTelegramOptions {
  /** The only token accepted; any other gets 401 Unauthorized. */
  token?: string;
  botUsername?: string;
  botId?: number;
}

export type ChatKind = "private" | "group" | "supergroup";

export interface UserMessage {
  fromId: number;
  chatId: number;
  text: string;
  chatType?: ChatKind;
  username?: string;
  firstName?: string;
  /** Forum topic: sets `is_topic_message` and `message_thread_id`. */
  threadId?: number;
  /** Replies to this message id of the bot. */
  replyToBotMessageId?: number;
  /** Sends a photo (the text becomes its caption); `width`/`height` default to 800×600. */
  photo?: { data: Uint8Array; width?: number; height?: number };
  /** Sends a file (the text becomes its caption). */
  document?: { data: Uint8Array; fileName: string; mimeType: string };
}

/** A file the bot uploaded with sendPhoto/sendDocument. */
export interface UploadedFile {
  kind: "photo" | "document" | "audio" | "voice";
  fileName: string;
  mimeType: string;
  data: Buffer;
}

export interface BotMessage {
  chatId: number;
  messageId: number;
  /** The text as the user sees it: with `parse_mode: "HTML"`, tags removed and entities decoded. */
  text: string;
  /** The `text` parameter exactly as sent. */
  raw: string;
  threadId: number | undefined;
  params: Record<string, unknown>;
  /** Set for sendPhoto/sendDocument; `text` is then the caption. */
  file?: UploadedFile;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
}

export type Failure =
  | { kind: "flood"; retryAfter: number }
  | { kind: "server" }
  /** A 400 with this description, e.g. Telegram refusing markup it cannot parse. */
  | { kind: "bad-request"; description: string };

export interface FakeTelegram {
  /** What `channels.telegram.apiRoot` takes: the root without `/bot<token>`. */
  apiRoot: string;
  token: string;
  botUsername: string;
  /** Every method call with a valid token, in order. */
  calls: ApiCall[];
  /** Every message the bot sent. */
  sent: BotMessage[];
  /** Queues a user's message as an update; returns its update_id. */
  userSends(msg: UserMessage): number;
  /** Resolves with the next bot message to `chatId` not returned before, waiting if need be. */
  nextBotMessage(q: { chatId: number }): Promise<BotMessage>;
  /** Resolves once a call of `method` has arrived (counting earlier ones), returning it. */
  waitForCall(method: string, nth?: number): Promise<ApiCall>;
  /** Makes the next call of `method` fail as Telegram would. */
  failNext(method: string, failure: Failure): void;
  /** Updates delivered to a poll but not yet confirmed by a later offset. */
  unconfirmed(): number;
  /** The webhook registered with setWebhook, if any. */
  webhook(): { url: string; secret: string | undefined } | undefined;
  /**
   * POSTs the oldest update not yet confirmed to the registered webhook, with its secret (or
   * `secret` instead, to forge one); a 2xx confirms it. Resolves with the HTTP status.
   */
  deliverWebhookUpdate(opts?: { secret?: string }): Promise<number>;
  /**
   * Lets `skip` calls of `method` through, then holds the next one unanswered until the fake
   * closes (a platform call that never returns). Resolves once that call has arrived.
   */
  hangNext(method: string, skip?: number): Promise<ApiCall>;
  close(): Promise<void>;
}

interface TgUpdate {
  update_id: number;
  message: Record<string, unknown>;
}

interface Poll {
  res: ServerResponse;
  finish(): void;
  cancel(): void;
}

const MAX_TEXT = 4096;
/** Bot API limits: photos 10 MB, other uploads 50 MB, downloads through getFile 20 MB. */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const MAX_CAPTION = 1024;
/** A few of the emoji Telegram accepts as reactions (core.telegram.org/bots/api#reactiontypeemoji). */
const REACTION_EMOJI = new Set(["👀", "👍", "👎", "❤", "🔥", "🎉", "🤔", "🙏", "👌", "💯", "⚡", "🏆", "🫡"]);
const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function ok(res: ServerResponse, result: unknown): void {
  reply(res, 200, { ok: true, result });
}

function fail(res: ServerResponse, code: number, description: string, parameters?: Record<string, unknown>) {
  reply(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
}

interface FormFile {
  name: string;
  type: string;
  data: Buffer;
}

/** Files of a multipart body, by field name, kept aside from the string parameters. */
const uploads = new WeakMap<Record<string, unknown>, Map<string, FormFile>>();

async function readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const raw = body.toString("utf8");
  if (!raw) return params;
  const type = req.headers["content-type"] ?? "";
  if (type.includes("multipart/form-data")) {
    const form = await new Response(body, { headers: { "content-type": type } }).formData();
    const files = new Map<string, FormFile>();
    for (const [key, value] of form) {
      if (typeof value === "string") params[key] = value;
      else
        files.set(key, { name: value.name, type: value.type, data: Buffer.from(await value.arrayBuffer()) });
    }
    uploads.set(params, files);
    return params;
  }
  if (type.includes("application/json"))
    return { ...params, ...(JSON.parse(raw) as Record<string, unknown>) };
  if (type.includes("application/x-www-form-urlencoded"))
    return { ...params, ...Object.fromEntries(new URLSearchParams(raw)) };
  throw new Error(`fake Telegram: unsupported content-type ${type}`);
}

/** Bot API parameters may arrive as JSON values or as strings (query, form). */
function num(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function entitiesOf(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const m of text.matchAll(/@[A-Za-z0-9_]{3,}/g))
    out.push({ type: "mention", offset: m.index, length: m[0].length });
  const cmd = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  if (cmd) out.push({ type: "bot_command", offset: 0, length: cmd[0].length });
  return out.sort((a, b) => Number(a["offset"]) - Number(b["offset"]));
}

export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = opts.token ?? "123456:TEST-fake-telegram-token";
  const bot = {
    id: opts.botId ?? 987654321,
    is_bot: true,
    first_name: "Claw",
    username: opts.botUsername ?? "claw_test_bot",
  };
  const updates: TgUpdate[] = [];
  let nextUpdateId = 100_000;
  let nextMessageId = 1;
  let confirmedBelow = 0;
  let delivered = 0;
  let poll: Poll | undefined;
  const knownChats = new Map<number, Record<string, unknown>>();
  const calls: ApiCall[] = [];
  const sent: BotMessage[] = [];
  const cursors = new Map<number, number>();
  const failures = new Map<string, Failure[]>();
  const closing = new AbortController();
  const waiters = new StateWaiters("Telegram", closing.signal);
  let webhook: { url: string; secret: string | undefined } | undefined;
  const hangs = new Map<string, { skip: number; arrived: (call: ApiCall) => void }>();

  const notify = (): void => waiters.notify();
  const pending = (): TgUpdate[] => updates.filter((u) => u.update_id >= confirmedBelow);

  const getUpdates = (res: ServerResponse, params: Record<string, unknown>) => {
    if (webhook)
      return fail(
        res,
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    const offset = num(params["offset"]);
    if (offset !== undefined && offset > 0) confirmedBelow = Math.max(confirmedBelow, offset);
    const limit = Math.min(Math.max(num(params["limit"]) ?? 100, 1), 100);
    const timeoutS = Math.max(0, num(params["timeout"]) ?? 0);
    // Telegram answers an older poll with 409 when a newer one arrives.
    if (poll) {
      const older = poll;
      older.cancel();
      fail(
        older.res,
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      );
    }
    const answer = (): void => {
      const batch = pending().slice(0, limit);
      delivered = Math.max(delivered, ...batch.map((u) => u.update_id));
      ok(res, batch);
    };
    if (pending().length > 0 || timeoutS === 0) return answer();
    const timer = setTimeout(() => current.finish(), timeoutS * 1000);
    const onUpdate = (): void => {
      if (pending().length > 0) current.finish();
    };
    const current: Poll = {
      res,
      cancel: () => {
        clearTimeout(timer);
        waiters.delete(onUpdate);
        if (poll === current) poll = undefined;
      },
      finish: () => {
        current.cancel();
        answer();
      },
    };
    res.on("close", () => current.cancel());
    poll = current;
    waiters.add(onUpdate);
  };

  const sendMessage = (res: ServerResponse, params: Record<string, unknown>) => {
    const chatId = num(params["chat_id"]);
    const raw = typeof params["text"] === "string" ? params["text"] : "";
    if (chatId === undefined || !knownChats.has(chatId)) return fail(res, 400, "Bad Request: chat not found");
    let text = raw;
    if (params["parse_mode"] === "HTML") {
      const parsed = parseTelegramHtml(raw);
      if (!parsed.ok) return fail(res, 400, `Bad Request: can't parse entities: ${parsed.error}`);
      text = parsed.text;
    } else if (params["parse_mode"] !== undefined) {
      return fail(res, 400, "Bad Request: unsupported parse_mode");
    }
    if (text.trim() === "") return fail(res, 400, "Bad Request: message text is empty");
    if (text.length > MAX_TEXT) return fail(res, 400, "Bad Request: message is too long");
    const threadId = num(params["message_thread_id"]);
    const message: BotMessage = { chatId, messageId: nextMessageId++, text, raw, threadId, params };
    sent.push(message);
    ok(res, {
      message_id: message.messageId,
      from: bot,
      chat: knownChats.get(chatId),
      date: Math.floor(Date.now() / 1000),
      text,
      ...(threadId ? { message_thread_id: threadId } : {}),
    });
    notify();
  };

  /** Files users sent, by file_id: what getFile and the download route serve. */
  const userFiles = new Map<string, { data: Uint8Array; path: string }>();
  let nextFileId = 1;
  const storeFile = (
    data: Uint8Array,
    ext: string,
  ): { file_id: string; file_unique_id: string; file_size: number } => {
    const id = `file-${nextFileId++}`;
    userFiles.set(id, { data, path: `${ext === ".jpg" ? "photos" : "documents"}/${id}${ext}` });
    return { file_id: id, file_unique_id: `u${id}`, file_size: data.byteLength };
  };

  const sendFile = (res: ServerResponse, params: Record<string, unknown>, kind: UploadedFile["kind"]) => {
    const chatId = num(params["chat_id"]);
    if (chatId === undefined || !knownChats.has(chatId)) return fail(res, 400, "Bad Request: chat not found");
    const value = params[kind];
    const files = uploads.get(params);
    const field = typeof value === "string" && value.startsWith("attach://") ? value.slice(9) : kind;
    const upload = files?.get(field);
    if (!upload) return fail(res, 400, `Bad Request: there is no ${kind} in the request`);
    if (upload.data.byteLength > (kind === "photo" ? MAX_PHOTO_BYTES : MAX_UPLOAD_BYTES))
      return fail(res, 413, "Request Entity Too Large");
    const caption = typeof params["caption"] === "string" ? params["caption"] : "";
    if (caption.length > MAX_CAPTION) return fail(res, 400, "Bad Request: message caption is too long");
    const threadId = num(params["message_thread_id"]);
    const file: UploadedFile = { kind, fileName: upload.name, mimeType: upload.type, data: upload.data };
    const message: BotMessage = {
      chatId,
      messageId: nextMessageId++,
      text: caption,
      raw: caption,
      threadId,
      params,
      file,
    };
    sent.push(message);
    const stored = storeFile(upload.data, kind === "photo" ? ".jpg" : "");
    ok(res, {
      message_id: message.messageId,
      from: bot,
      chat: knownChats.get(chatId),
      date: Math.floor(Date.now() / 1000),
      ...(caption ? { caption } : {}),
      ...(kind === "photo"
        ? { photo: [{ ...stored, width: 1, height: 1 }] }
        : kind === "document"
          ? { document: { ...stored, file_name: upload.name, mime_type: upload.type } }
          : { [kind]: { ...stored, duration: 1 } }),
      ...(threadId ? { message_thread_id: threadId } : {}),
    });
    notify();
  };

  const download = (res: ServerResponse, pathname: string) => {
    const m = /^\/file\/bot([^/]+)\/(.+)$/.exec(pathname);
    if (!m || m[1] !== token) return fail(res, 404, "Not Found");
    const file = [...userFiles.values()].find((f) => f.path === m[2]);
    if (!file) return fail(res, 404, "Not Found");
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": file.data.byteLength,
    });
    res.end(file.data);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith("/file/")) return download(res, url.pathname);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return fail(res, 404, "Not Found");
    const params = await readParams(req, url);
    if (m[1] !== token) return fail(res, 401, "Unauthorized");
    const method = m[2]!;
    calls.push({ method, params });
    notify();
    const hang = hangs.get(method);
    if (hang && hang.skip-- === 0) {
      hangs.delete(method);
      hang.arrived({ method, params });
      return; // answered never: the socket is cut when the fake closes
    }
    const failure = failures.get(method)?.shift();
    if (failure?.kind === "flood")
      return fail(res, 429, `Too Many Requests: retry after ${failure.retryAfter}`, {
        retry_after: failure.retryAfter,
      });
    if (failure?.kind === "server") return fail(res, 500, "Internal Server Error");
    if (failure?.kind === "bad-request") return fail(res, 400, `Bad Request: ${failure.description}`);
    switch (method) {
      case "getMe":
        return ok(res, {
          ...bot,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case "getUpdates":
        return getUpdates(res, params);
      case "sendMessage":
        return sendMessage(res, params);
      case "sendPhoto":
        return sendFile(res, params, "photo");
      case "sendDocument":
        return sendFile(res, params, "document");
      case "sendAudio":
        return sendFile(res, params, "audio");
      case "sendVoice":
        return sendFile(res, params, "voice");
      case "setMessageReaction": {
        const chatId = num(params["chat_id"]);
        if (chatId === undefined || !knownChats.has(chatId))
          return fail(res, 400, "Bad Request: chat not found");
        const raw = params["reaction"];
        const reaction = (typeof raw === "string" ? JSON.parse(raw) : (raw ?? [])) as {
          type?: string;
          emoji?: string;
        }[];
        if (reaction.some((r) => r.type !== "emoji" || !REACTION_EMOJI.has(r.emoji ?? "")))
          return fail(res, 400, "Bad Request: REACTION_INVALID");
        return ok(res, true);
      }
      case "getFile": {
        const file = userFiles.get(String(params["file_id"] ?? ""));
        if (!file) return fail(res, 400, "Bad Request: invalid file_id");
        if (file.data.byteLength > MAX_DOWNLOAD_BYTES) return fail(res, 400, "Bad Request: file is too big");
        const id = String(params["file_id"]);
        return ok(res, {
          file_id: id,
          file_unique_id: `u${id}`,
          file_size: file.data.byteLength,
          file_path: file.path,
        });
      }
      case "sendChatAction": {
        const chatId = num(params["chat_id"]);
        if (chatId === undefined || !knownChats.has(chatId))
          return fail(res, 400, "Bad Request: chat not found");
        if (!CHAT_ACTIONS.has(String(params["action"])))
          return fail(res, 400, "Bad Request: wrong parameter action in request");
        return ok(res, true);
      }
      case "setMyCommands": {
        const raw = params["commands"];
        const commands = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
        if (!Array.isArray(commands)) return fail(res, 400, "Bad Request: can't parse commands JSON object");
        for (const c of commands as { command?: unknown; description?: unknown }[]) {
          if (typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command))
            return fail(res, 400, "Bad Request: BOT_COMMAND_INVALID");
          if (typeof c.description !== "string" || c.description.length === 0)
            return fail(res, 400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID");
        }
        return ok(res, true);
      }
      case "deleteWebhook":
        webhook = undefined;
        return ok(res, true);
      case "setWebhook": {
        const url = typeof params["url"] === "string" ? params["url"] : "";
        if (url === "") {
          webhook = undefined;
          return ok(res, true);
        }
        // Telegram wants HTTPS; loopback HTTP is let through so tests can reach a local gateway.
        if (!/^https:\/\//.test(url) && !/^http:\/\/127\.0\.0\.1[:/]/.test(url))
          return fail(res, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook");
        const secret = typeof params["secret_token"] === "string" ? params["secret_token"] : undefined;
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret))
          return fail(res, 400, "Bad Request: secret token contains unallowed characters");
        webhook = { url, secret };
        return ok(res, true);
      }
      case "getWebhookInfo":
        return ok(res, {
          url: webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: pending().length,
        });
      default:
        return fail(res, 404, "Not Found");
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, 500, `fake Telegram crashed: ${String(err)}`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const waitFor = <T>(check: () => T | undefined, what: string): Promise<T> => waiters.waitFor(check, what);

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    botUsername: bot.username,
    calls,
    sent,
    userSends(msg) {
      const type = msg.chatType ?? "private";
      const from = {
        id: msg.fromId,
        is_bot: false,
        first_name: msg.firstName ?? "User",
        ...(msg.username ? { username: msg.username } : {}),
      };
      const chat =
        type === "private"
          ? {
              id: msg.chatId,
              type,
              first_name: from.first_name,
              ...(msg.username ? { username: msg.username } : {}),
            }
          : { id: msg.chatId, type, title: "Test group", ...(msg.threadId ? { is_forum: true } : {}) };
      knownChats.set(msg.chatId, chat);
      const entities = entitiesOf(msg.text);
      const hasFile = msg.photo !== undefined || msg.document !== undefined;
      const photo = msg.photo
        ? [
            // Telegram sends several sizes; the last is the largest.
            { ...storeFile(msg.photo.data.slice(0, 1), ".jpg"), width: 90, height: 90 },
            {
              ...storeFile(msg.photo.data, ".jpg"),
              width: msg.photo.width ?? 800,
              height: msg.photo.height ?? 600,
            },
          ]
        : undefined;
      const document = msg.document
        ? {
            ...storeFile(msg.document.data, ""),
            file_name: msg.document.fileName,
            mime_type: msg.document.mimeType,
          }
        : undefined;
      const message: Record<string, unknown> = {
        message_id: nextMessageId++,
        from,
        chat,
        date: Math.floor(Date.now() / 1000),
        ...(hasFile ? (msg.text ? { caption: msg.text } : {}) : { text: msg.text }),
        ...(photo ? { photo } : {}),
        ...(document ? { document } : {}),
        ...(entities.length > 0 ? { [hasFile ? "caption_entities" : "entities"]: entities } : {}),
        ...(msg.threadId ? { message_thread_id: msg.threadId, is_topic_message: true } : {}),
        ...(msg.replyToBotMessageId
          ? { reply_to_message: { message_id: msg.replyToBotMessageId, from: bot, chat, date: 0, text: "" } }
          : {}),
      };
      const update = { update_id: nextUpdateId++, message };
      updates.push(update);
      notify();
      return update.update_id;
    },
    nextBotMessage({ chatId }) {
      return waitFor(() => {
        const seen = cursors.get(chatId) ?? 0;
        const mine = sent.filter((s) => s.chatId === chatId);
        const next = mine[seen];
        if (next) cursors.set(chatId, seen + 1);
        return next;
      }, `a bot message to ${chatId}`);
    },
    waitForCall(method, nth = 1) {
      return waitFor(() => calls.filter((c) => c.method === method)[nth - 1], `call ${nth} of ${method}`);
    },
    failNext(method, failure) {
      failures.set(method, [...(failures.get(method) ?? []), failure]);
    },
    webhook: () => webhook,
    async deliverWebhookUpdate(o = {}) {
      const hook = webhook;
      if (!hook) throw new Error("fake Telegram: no webhook is set");
      const update = pending()[0];
      if (!update) throw new Error("fake Telegram: no update to deliver");
      const secret = o.secret ?? hook.secret;
      const res = await fetch(hook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(secret !== undefined ? { "x-telegram-bot-api-secret-token": secret } : {}),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      if (res.status >= 200 && res.status < 300)
        confirmedBelow = Math.max(confirmedBelow, update.update_id + 1);
      return res.status;
    },
    hangNext(method, skip = 0) {
      return new Promise((resolve) => hangs.set(method, { skip, arrived: resolve }));
    },
    unconfirmed: () =>
      updates.filter((u) => u.update_id >= confirmedBelow && u.update_id <= delivered).length,
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** Tags Telegram's HTML parse mode knows (core.telegram.org/bots/api#html-style). */
const HTML_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "tg-emoji",
  "code",
  "pre",
  "blockquote",
]);
const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/**
 * Telegram's HTML parse mode as its Bot API answers it: known tags only, properly nested and
 * closed, the four named entities and numeric ones; the result is the visible text. Errors use
 * Telegram's wording after "can't parse entities: ".
 */
export function parseTelegramHtml(html: string): { ok: true; text: string } | { ok: false; error: string } {
  const open: string[] = [];
  let text = "";
  let i = 0;
  const offset = (): number => Buffer.byteLength(html.slice(0, i));
  while (i < html.length) {
    const ch = html[i] as string;
    if (ch === "<") {
      const m = /^<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:="[^"]*"|='[^']*'|=[^\s>]+)?)*)\s*>/.exec(
        html.slice(i),
      );
      if (!m) return { ok: false, error: `Unsupported start tag at byte offset ${offset()}` };
      const name = (m[2] as string).toLowerCase();
      if (!HTML_TAGS.has(name))
        return { ok: false, error: `Unsupported start tag "${name}" at byte offset ${offset()}` };
      if (m[1]) {
        const expected = open.pop();
        if (expected !== name)
          return {
            ok: false,
            error: `Unmatched end tag at byte offset ${offset()}, expected "</${expected ?? ""}>", found "</${name}>"`,
          };
      } else {
        open.push(name);
      }
      i += m[0].length;
      continue;
    }
    if (ch === "&") {
      const m = /^&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/.exec(html.slice(i));
      if (m) {
        const ref = m[1] as string;
        const decoded = ref.startsWith("#x")
          ? String.fromCodePoint(Number.parseInt(ref.slice(2), 16))
          : ref.startsWith("#")
            ? String.fromCodePoint(Number(ref.slice(1)))
            : NAMED_ENTITIES[ref];
        if (decoded !== undefined) {
          text += decoded;
          i += m[0].length;
          continue;
        }
      }
    }
    text += ch;
    i++;
  }
  const unclosed = open.pop();
  if (unclosed) return { ok: false, error: `Can't find end tag corresponding to start tag "${unclosed}"` };
  return { ok: true, text };
}
