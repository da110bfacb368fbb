// The part every fake LLM shares: a real node:http server on 127.0.0.1:0, the record of
// what clients sent, the script of what to answer, and the pacing of streamed replies.
// Each provider file supplies a `FakeWire` that speaks its documented format.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import type { z } from "zod";

export type ErrorStatus = 400 | 401 | 403 | 404 | 429 | 500 | 503 | 529;

export type ScriptedReply =
  | { kind: "text"; text: string; chunks?: number } // streamed in N deltas (default: ~3 pieces)
  | {
      kind: "toolCalls";
      calls: { id?: string; name: string; arguments: Record<string, unknown> }[];
      text?: string;
    }
  | { kind: "error"; status: ErrorStatus; retryAfterSeconds?: number; message?: string }
  | { kind: "hang" } // accept the request and never answer (until close())
  | { kind: "slow"; text: string; delayMsPerChunk: number }; // one word per chunk, for abort tests

export interface RecordedRequest {
  /** Path without the query string, e.g. "/v1/messages". */
  path: string;
  /** Path and query string exactly as the client sent them, e.g. "/v1/messages?beta=true". */
  url: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary provider JSON; the fakes parse it with zod themselves.
  body: any;
  apiKey: string | undefined;
}

export interface FakeLlm {
  /** What a client puts in its baseUrl (provider-specific, see each start function). */
  baseUrl: string;
  /** `http://127.0.0.1:<port>`, for raw requests. */
  origin: string;
  requests: RecordedRequest[];
  /** Replies consumed in order, one per model call (listing endpoints consume none). */
  enqueue(...replies: ScriptedReply[]): void;
  /** Used when the queue is empty; initially text "ok" (or the `reply` option). */
  setDefault(reply: ScriptedReply | ((req: RecordedRequest) => ScriptedReply)): void;
  /** Resolves with the oldest request no earlier call returned, waiting for it if need be. Rejects on close(). */
  nextRequest(): Promise<RecordedRequest>;
  /** All conversation text (system prompt and messages) of the last request with a body, joined by "\n". */
  lastRequestText(): string;
  /** Stops the server and ends hung or slow requests. Rejects if a request crashed the fake itself. */
  close(): Promise<void>;
}

export interface FakeLlmOptions {
  /** When set, only this key is accepted and any other gets the provider's own bad-key answer. */
  apiKey?: string;
  /** Initial default reply; a string means `{ kind: "text", text }`. Default "ok". */
  reply?: string | ScriptedReply;
}

/** One request in flight, as a provider's wire handler sees it. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  recorded: RecordedRequest;
  /** Conversation text of the body; usage numbers are estimated from it. */
  promptText: string;
  /** Aborts when the client goes away or the fake closes. */
  signal: AbortSignal;
  /** Consumes the next scripted reply. Call it only for model calls, after validating the request. */
  takeReply(): ScriptedReply;
}

/** What a provider file supplies to `startFakeLlm`. */
export interface FakeWire {
  /** Path the client's baseUrl ends with, e.g. "/v1"; "" for none. */
  basePath: string;
  apiKeyOf(req: IncomingMessage, url: URL): string | undefined;
  /** The parts of a request body that hold conversation text, for lastRequestText(). */
  textRoots(body: unknown): unknown[];
  /** Answers one request. May leave the response open (a hang); close() ends it. */
  handle(ex: Exchange): Promise<void>;
}

/**
 * Starts a fake on 127.0.0.1 with an OS-chosen port. Called by the provider files'
 * `startFake*` functions, never by tests directly.
 */
export async function startFakeLlm(wire: FakeWire, opts: FakeLlmOptions = {}): Promise<FakeLlm> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  let fallback: ScriptedReply | ((req: RecordedRequest) => ScriptedReply) = asReply(opts.reply ?? "ok");
  let taken = 0;
  const waiters: { resolve(r: RecordedRequest): void; reject(e: Error): void }[] = [];
  const closing = new AbortController();
  const failures: unknown[] = [];
  let origin = "";

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    const signal = AbortSignal.any([closing.signal, gone.signal]);
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", origin);
    const body = parseJsonBody(raw);
    const recorded: RecordedRequest = {
      path: url.pathname,
      url: req.url ?? "/",
      method: req.method ?? "GET",
      headers: req.headers,
      body,
      apiKey: wire.apiKeyOf(req, url),
    };
    requests.push(recorded);
    const waiter = waiters.shift();
    if (waiter) {
      taken++;
      waiter.resolve(recorded);
    }
    const takeReply = (): ScriptedReply =>
      queue.shift() ?? (typeof fallback === "function" ? fallback(recorded) : fallback);
    const promptText = collectText(wire.textRoots(body)).join("\n");
    try {
      await wire.handle({ req, res, url, recorded, promptText, signal, takeReply });
    } catch (err) {
      // A paced stream stops when its client hangs up or the fake closes; that is not a fault.
      if (signal.aborted && isAbortError(err)) return;
      throw err;
    }
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      failures.push(err);
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { "content-type": "text/plain" }).end(`fake LLM crashed: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  let closed: Promise<void> | undefined;
  return {
    baseUrl: origin + wire.basePath,
    origin,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    setDefault: (reply) => {
      fallback = reply;
    },
    nextRequest: () =>
      new Promise<RecordedRequest>((resolve, reject) => {
        const ready = requests[taken];
        if (ready) {
          taken++;
          resolve(ready);
        } else if (closing.signal.aborted) {
          reject(new Error("fake LLM is closed"));
        } else {
          waiters.push({ resolve, reject });
        }
      }),
    lastRequestText: () => {
      const last = requests.findLast((r) => r.body !== undefined);
      return last ? collectText(wire.textRoots(last.body)).join("\n") : "";
    },
    close: () => {
      closed ??= (async () => {
        closing.abort();
        for (const w of waiters.splice(0)) w.reject(new Error("fake LLM closed before the next request"));
        server.closeAllConnections();
        await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
        if (failures.length > 0) throw new Error("a request crashed the fake LLM", { cause: failures[0] });
      })();
      return closed;
    },
  };
}

function asReply(reply: string | ScriptedReply): ScriptedReply {
  return typeof reply === "string" ? { kind: "text", text: reply } : reply;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** An empty body is `undefined`; a malformed one stays a string so the wire can answer 400. */
function parseJsonBody(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    if (err instanceof SyntaxError) return raw;
    throw err;
  }
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}

const TEXT_KEYS = ["text", "content", "parts", "output"];

/**
 * Strings reachable through text-bearing keys only, so tool-call arguments
 * (`input`, `arguments`, `args`) don't leak into lastRequestText().
 */
export function collectText(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(collectText);
  if (node === null || typeof node !== "object") return [];
  const record = node as Record<string, unknown>;
  return TEXT_KEYS.flatMap((key) => collectText(record[key]));
}

// --- scripted model turns ---------------------------------------------------------

export interface ToolCallPlan {
  id: string | undefined;
  name: string;
  arguments: Record<string, unknown>;
  argumentsJson: string;
  /** Fragments of argumentsJson, for wires that stream arguments. */
  argumentPieces: string[];
}

/** A successful reply, reduced to what every wire renders. */
export interface ModelTurn {
  text: string;
  textPieces: string[];
  toolCalls: ToolCallPlan[];
  /** Pause between text pieces; 0 except for "slow". */
  delayMsPerChunk: number;
}

export type AnswerReply = Extract<ScriptedReply, { kind: "text" | "toolCalls" | "slow" }>;

export function planTurn(reply: AnswerReply): ModelTurn {
  switch (reply.kind) {
    case "text":
      return {
        text: reply.text,
        textPieces: splitText(reply.text, reply.chunks ?? 3),
        toolCalls: [],
        delayMsPerChunk: 0,
      };
    case "slow":
      return {
        text: reply.text,
        textPieces: reply.text.split(/(?<=\s)/).filter((w) => w.length > 0),
        toolCalls: [],
        delayMsPerChunk: reply.delayMsPerChunk,
      };
    case "toolCalls": {
      const text = reply.text ?? "";
      return {
        text,
        textPieces: splitText(text, 3),
        toolCalls: reply.calls.map((call) => {
          const argumentsJson = JSON.stringify(call.arguments);
          return {
            id: call.id,
            name: call.name,
            arguments: call.arguments,
            argumentsJson,
            argumentPieces: splitText(argumentsJson, 3),
          };
        }),
        delayMsPerChunk: 0,
      };
    }
    default:
      return assertNever(reply);
  }
}

export type ErrorReply = Extract<ScriptedReply, { kind: "error" }>;

/**
 * The turn to answer with, or undefined when the reply was an error (handed to `sendError`,
 * which answers in the provider's words) or a hang (left open until the client or close() ends it).
 */
export function turnOf(reply: ScriptedReply, sendError: (reply: ErrorReply) => void): ModelTurn | undefined {
  switch (reply.kind) {
    case "error":
      sendError(reply);
      return undefined;
    case "hang":
      return undefined;
    case "text":
    case "slow":
    case "toolCalls":
      return planTurn(reply);
    default:
      return assertNever(reply);
  }
}

/** Splits on code points into at most `pieces` nearly equal parts; "" gives no parts. */
export function splitText(text: string, pieces: number): string[] {
  const chars = Array.from(text);
  const count = Math.max(1, Math.min(Math.floor(pieces), chars.length));
  const out: string[] = [];
  for (let i = 0; i < count && chars.length > 0; i++) {
    const start = Math.floor((i * chars.length) / count);
    const end = Math.floor(((i + 1) * chars.length) / count);
    out.push(chars.slice(start, end).join(""));
  }
  return out;
}

/** Waits before every text piece but the first, so a slow reply starts at once. */
export async function pace(turn: ModelTurn, index: number, signal: AbortSignal): Promise<void> {
  if (index > 0 && turn.delayMsPerChunk > 0) await delay(turn.delayMsPerChunk, undefined, { signal });
}

/** Waits for the text pieces a non-streaming slow reply would have streamed. */
export async function paceWhole(turn: ModelTurn, signal: AbortSignal): Promise<void> {
  const pauses = Math.max(0, turn.textPieces.length - 1);
  if (pauses > 0 && turn.delayMsPerChunk > 0)
    await delay(turn.delayMsPerChunk * pauses, undefined, { signal });
}

export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Roughly four characters a token, as providers' own rules of thumb say. */
export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

export function turnUsage(promptText: string, turn: ModelTurn): TurnUsage {
  const outputChars = turn.text.length + turn.toolCalls.reduce((n, c) => n + c.argumentsJson.length, 0);
  return { inputTokens: estimateTokens(promptText.length), outputTokens: estimateTokens(outputChars) };
}

// --- ids, JSON and SSE ------------------------------------------------------------

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomId(prefix: string, length: number, alphabet = BASE62): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const b of bytes) id += alphabet[b % alphabet.length];
  return id;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return; // the client went away: nothing to answer
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function openSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...headers,
  });
  res.flushHeaders();
}

/** One SSE frame: an optional `event:` line, one `data:` line, then a blank line. */
export function sseFrame(data: unknown, opts: { event?: string; eol?: string } = {}): string {
  const eol = opts.eol ?? "\n";
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  return (opts.event ? `event: ${opts.event}${eol}` : "") + `data: ${payload}${eol}${eol}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}

// --- request validation -------------------------------------------------------------

/** The first reason a body fails its schema, for the wire to word as its provider does. */
export interface BodyProblem {
  /** Dotted path of the offending field, e.g. "messages" or "stream_options.include_usage". */
  path: string;
  /** The field is absent, rather than present with the wrong type. */
  missing: boolean;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: BodyProblem };

/** Parses a JSON body with `schema`; a body that isn't a JSON object is a problem at path "". */
export function checkBody<T>(schema: z.ZodType<T>, body: unknown): Checked<T> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { ok: false, problem: { path: "", missing: body === undefined } };
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const segments = (issue?.path ?? []).map(String);
  return { ok: false, problem: { path: segments.join("."), missing: valueAt(body, segments) === undefined } };
}

function valueAt(node: unknown, segments: string[]): unknown {
  let current = node;
  for (const s of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[s];
  }
  return current;
}
