import WebSocket from "ws";

/**
 * A seeded generator of hostile gateway frames, and a runner that fires them at a live gateway and
 * checks each one is answered (a `res`) or ends its connection (a close). Shared by
 * `test/e2e/fuzz.test.ts` and `bench/fuzz.ts`; the seed in a failure message reproduces the run.
 */

/** mulberry32: tiny, fast, and the same sequence for the same seed everywhere. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzCase {
  index: number;
  /** `pre`: the first frame on a fresh socket; `post`: on a socket past `connect`. */
  phase: "pre" | "post";
  kind: string;
  data: string | Buffer;
  /** Sent as a binary frame (otherwise text, even when `data` is not valid UTF-8). */
  binary: boolean;
  /** Upgrade headers of a `pre` socket (a browser's Origin, a proxy's X-Forwarded-For). */
  headers?: Record<string, string>;
  /** What must follow: the `res` with this id (and the socket stays open), or a close. */
  expect: { res: string } | { close: true };
}

/** Field names the gateway's methods take, so random params often reach the deeper checks. */
const FIELDS = [
  "sessionKey",
  "message",
  "idempotencyKey",
  "key",
  "limit",
  "raw",
  "baseHash",
  "runId",
  "timeoutMs",
  "cursor",
  "maxBytes",
  "requestId",
  "deviceId",
  "role",
  "scopes",
  "probe",
  "agentId",
  "reason",
  "deleteTranscript",
  "thinking",
  "attachments",
  "deliver",
  "channel",
  "__proto__",
  "constructor",
];

const STRINGS = [
  "",
  "main",
  "agent:main:main",
  "../../etc/passwd",
  "\u0000",
  "\ud800",
  "💥".repeat(50),
  "null",
  "-1",
];
const NUMBERS = [0, -1, 1, 2 ** 31, -(2 ** 53), 2 ** 53 + 2, 1e308, -1e-308, 0.5, 4294967296];

/** Bytes that are not UTF-8: lone continuation bytes, overlong encodings, surrogates, 0xFF. */
const INVALID_UTF8 = [
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
];

export interface FuzzOptions {
  seed: number;
  /** Method names the gateway registers (from `allMethods()`). */
  methods: string[];
  /** Token of the gateway; `pre` cases use wrong ones, the runner's own connects this one. */
  token: string;
  /** One frame in this many is over the 25 MiB maxPayload (costly: 26 MB each). 0: never. */
  oversizeEvery?: number;
}

export interface FuzzGenerator {
  next(): FuzzCase;
}

export function createFuzzGenerator(opts: FuzzOptions): FuzzGenerator {
  const rng = createRng(opts.seed);
  const int = (n: number): number => Math.floor(rng() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number): boolean => rng() < p;
  let index = 0;

  const randomString = (max = 40): string => {
    if (chance(0.3)) return pick(STRINGS);
    let s = "";
    const len = int(max);
    for (let i = 0; i < len; i++) s += String.fromCharCode(chance(0.8) ? 32 + int(95) : int(0xffff));
    return s;
  };
  const randomValue = (depth = 0): unknown => {
    const r = int(depth > 3 ? 5 : 8);
    if (r === 0) return null;
    if (r === 1) return chance(0.5);
    if (r === 2) return pick(NUMBERS) * (chance(0.5) ? 1 : -1);
    if (r === 3 || r === 4) return randomString();
    if (r === 5) return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    return randomObject(depth + 1);
  };
  const randomObject = (depth = 0): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    const n = int(6);
    for (let i = 0; i < n; i++) {
      Object.defineProperty(o, chance(0.7) ? pick(FIELDS) : randomString(12), {
        value: randomValue(depth),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return o;
  };
  const id = (): string => `f${opts.seed}-${index}`;
  const req = (method: string, params: unknown, reqId = id()): Record<string, unknown> => ({
    type: "req",
    id: reqId,
    method,
    ...(params === undefined ? {} : { params }),
  });
  const nested = (depth: number): string => {
    const open = chance(0.5) ? "[" : '{"a":';
    const close = open === "[" ? "]" : "}";
    return `{"type":"req","id":"${id()}","method":"${pick(opts.methods)}","params":${open.repeat(depth)}1${close.repeat(depth)}}`;
  };
  const connectParams = (token: string): Record<string, unknown> => ({
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: "gateway-client", version: "0", platform: "linux", mode: "backend" },
    auth: { token },
  });

  /** The id the gateway answers a post-connect frame with (ws-connection.ts: "invalid" if none). */
  const answerId = (data: string | Buffer): string => {
    try {
      const frame = JSON.parse(typeof data === "string" ? data : data.toString("utf8")) as {
        id?: unknown;
      } | null;
      return typeof frame?.id === "string" ? frame.id : "invalid";
    } catch {
      return "invalid";
    }
  };

  const post = (): Omit<FuzzCase, "index" | "phase" | "expect"> & { close?: true } => {
    const r = int(13);
    switch (r) {
      case 0:
        return { kind: "garbage", data: randomString(200), binary: false };
      case 1: {
        const text = JSON.stringify(req(pick(opts.methods), randomObject()));
        return { kind: "truncated", data: text.slice(0, Math.max(1, int(text.length))), binary: false };
      }
      case 2:
        return {
          kind: "not-an-object",
          data: JSON.stringify(chance(0.5) ? randomValue(2) : [req("health", {})]) ?? "null",
          binary: false,
        };
      case 3: {
        const frame = {
          ...randomObject(),
          type: pick(["req", "res", "event", 1, null]),
          id: randomValue(3),
          method: randomValue(3),
        };
        return { kind: "bad-shape", data: JSON.stringify(frame), binary: false };
      }
      case 4:
        return {
          kind: "unknown-method",
          data: JSON.stringify(req(randomString(30) || "x", randomValue())),
          binary: false,
        };
      case 5:
      case 6:
      case 7:
        return {
          kind: "method-params",
          data: JSON.stringify(req(pick(opts.methods), chance(0.7) ? randomObject() : randomValue())),
          binary: false,
        };
      case 8:
        return {
          kind: "huge-id",
          data: JSON.stringify(req(pick(opts.methods), {}, `${id()}-${"i".repeat(2 ** (8 + int(13)))}`)),
          binary: false,
        };
      case 9:
        return { kind: "deep-nesting", data: nested(100 + int(50_000)), binary: false };
      case 10:
        return {
          kind: chance(0.5) ? "connect-again" : "out-of-order",
          data: JSON.stringify(
            chance(0.5)
              ? req("connect", connectParams(opts.token))
              : { type: pick(["res", "event"]), id: id(), ok: true, event: "tick", payload: randomValue() },
          ),
          binary: false,
        };
      case 11: {
        const bytes = Buffer.alloc(int(300));
        for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
        return {
          kind: "binary",
          data: chance(0.5) ? bytes : Buffer.from(JSON.stringify(req("health", {}))),
          binary: true,
        };
      }
      default: {
        const text = Buffer.from(JSON.stringify(req("health", { note: randomString() })));
        const at = int(text.length);
        return {
          kind: "invalid-utf8",
          data: Buffer.concat([text.subarray(0, at), pick(INVALID_UTF8), text.subarray(at)]),
          binary: false,
          close: true, // RFC 6455 §8.1: the server fails the connection (1007)
        };
      }
    }
  };

  const pre = (): Omit<FuzzCase, "index" | "phase" | "expect"> => {
    const r = int(9);
    switch (r) {
      case 0:
        return { kind: "pre-garbage", data: randomString(200), binary: false };
      case 1:
        return {
          kind: "pre-binary",
          data: Buffer.from(JSON.stringify(req("connect", connectParams(opts.token)))),
          binary: true,
        };
      case 2:
        return {
          kind: "pre-not-connect",
          data: JSON.stringify(req(pick(opts.methods), randomValue())),
          binary: false,
        };
      case 3:
        return {
          kind: "pre-bad-connect",
          data: JSON.stringify(req("connect", randomObject())),
          binary: false,
        };
      case 4:
        return {
          kind: "pre-wrong-token",
          data: JSON.stringify(req("connect", connectParams(`wrong-${randomString(10)}`))),
          binary: false,
        };
      case 5:
        return {
          kind: "pre-oversized",
          data: JSON.stringify(
            req("connect", { ...connectParams(opts.token), userAgent: "u".repeat(70_000) }),
          ),
          binary: false,
        };
      case 6:
        return {
          kind: "pre-invalid-utf8",
          data: Buffer.concat([Buffer.from('{"type":"req","id":"'), pick(INVALID_UTF8), Buffer.from('"}')]),
          binary: false,
        };
      case 7:
        return {
          kind: "pre-deep-nesting",
          data: nested(100 + int(50_000)).replace(/"method":"[^"]*"/, '"method":"connect"'),
          binary: false,
        };
      default:
        return {
          kind: "pre-foreign-origin",
          data: JSON.stringify(req("connect", connectParams(opts.token))),
          binary: false,
          headers: {
            origin: pick([
              "https://evil.example",
              "null",
              "http://[::1",
              `http://h${int(1e9).toString(36)}.example`,
            ]),
          },
        };
    }
  };

  return {
    next(): FuzzCase {
      index++;
      if (opts.oversizeEvery && index % opts.oversizeEvery === 0) {
        return {
          index,
          phase: "post",
          kind: "oversized",
          data: Buffer.alloc(26 * 1024 * 1024, 0x20),
          binary: false,
          expect: { close: true },
        };
      }
      if (chance(0.2)) return { index, phase: "pre", ...pre(), expect: { close: true } };
      const c = post();
      const { close, ...rest } = c;
      return { index, phase: "post", ...rest, expect: close ? { close: true } : { res: answerId(c.data) } };
    },
  };
}

// ---- runner ----

export interface FuzzStats {
  frames: number;
  responses: number;
  closes: number;
  connections: number;
  byKind: Record<string, number>;
  failures: string[];
}

const FLOOD_GUARD_REASON = "repeated unauthorized calls";

interface Conn {
  ws: WebSocket;
  closed: Promise<number>;
  isClosed: () => boolean;
  /** The close frame's reason, once closed. */
  closeReason: () => string;
  waitRes(id: string, signal: AbortSignal): Promise<"res" | "closed">;
}

function openConn(url: string, headers?: Record<string, string>): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...(headers ? { headers } : {}), maxPayload: 64 * 1024 * 1024 });
    const seen = new Set<string>();
    const waiters = new Map<string, () => void>();
    let closedFlag = false;
    let closeReason = "";
    const closed = new Promise<number>((r) =>
      ws.on("close", (code, reason) => {
        closedFlag = true;
        closeReason = String(reason);
        r(code);
        for (const w of waiters.values()) w();
      }),
    );
    ws.on("error", () => undefined); // writes racing a server close; the close is what counts
    ws.on("message", (data) => {
      const text = String(data);
      if (!text.startsWith('{"type":"res"')) return;
      const idMatch = /^\{"type":"res","id":("(?:[^"\\]|\\.)*")/.exec(text);
      const rid = idMatch ? (JSON.parse(idMatch[1]!) as string) : undefined;
      if (rid === undefined) return;
      seen.add(rid);
      waiters.get(rid)?.();
    });
    const conn: Conn = {
      ws,
      closed,
      isClosed: () => closedFlag,
      closeReason: () => closeReason,
      waitRes: (rid, signal) =>
        new Promise((res, rej) => {
          const check = (): void => {
            if (seen.delete(rid)) done("res");
            else if (closedFlag) done("closed");
          };
          const done = (v: "res" | "closed"): void => {
            waiters.delete(rid);
            signal.removeEventListener("abort", onAbort);
            res(v);
          };
          const onAbort = (): void => {
            waiters.delete(rid);
            rej(new Error(`no response for ${rid.slice(0, 60)}`));
          };
          signal.addEventListener("abort", onAbort, { once: true });
          waiters.set(rid, check);
          check();
        }),
    };
    ws.once("open", () => resolve(conn));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

async function openAuthenticated(url: string, token: string): Promise<Conn> {
  const conn = await openConn(url);
  conn.ws.send(
    JSON.stringify({
      type: "req",
      id: "fuzz-connect",
      method: "connect",
      params: {
        minProtocol: 4,
        maxProtocol: 4,
        client: { id: "gateway-client", version: "0", platform: "linux", mode: "backend" },
        auth: { token },
      },
    }),
  );
  const got = await conn.waitRes("fuzz-connect", AbortSignal.timeout(20_000));
  if (got !== "res" || conn.isClosed()) throw new Error("authenticated connect failed");
  return conn;
}

export interface RunFuzzOptions extends FuzzOptions {
  url: string;
  /** Stop after this many frames... */
  frames: number;
  /** ...or after this long, whichever comes first. */
  maxDurationMs?: number;
  /** Sockets fuzzing side by side. */
  concurrency?: number;
  /** Per-frame deadline for its answer or close. */
  frameTimeoutMs?: number;
}

/** Fires `frames` generated frames at the gateway; resolves with what happened. Never throws. */
export async function runFuzz(opts: RunFuzzOptions): Promise<FuzzStats> {
  const gen = createFuzzGenerator(opts);
  const stats: FuzzStats = { frames: 0, responses: 0, closes: 0, connections: 0, byKind: {}, failures: [] };
  const deadline = Date.now() + (opts.maxDurationMs ?? Number.POSITIVE_INFINITY);
  const frameTimeoutMs = opts.frameTimeoutMs ?? 20_000;
  const fail = (c: FuzzCase, what: string): void => {
    if (stats.failures.length < 50)
      stats.failures.push(`seed ${opts.seed} frame #${c.index} (${c.phase}/${c.kind}): ${what}`);
  };

  const send = (conn: Conn, c: FuzzCase): void => conn.ws.send(c.data, { binary: c.binary });

  const worker = async (): Promise<void> => {
    let conn: Conn | undefined;
    while (stats.frames < opts.frames && Date.now() < deadline && stats.failures.length < 50) {
      const c = gen.next();
      stats.frames++;
      stats.byKind[c.kind] = (stats.byKind[c.kind] ?? 0) + 1;
      try {
        if (c.phase === "pre") {
          const fresh = await openConn(opts.url, c.headers);
          stats.connections++;
          send(fresh, c);
          const code = await Promise.race([
            fresh.closed,
            new Promise<"timeout">((r) => setTimeout(r, frameTimeoutMs, "timeout").unref()),
          ]);
          if (code === "timeout") {
            fail(c, "socket not closed");
            fresh.ws.terminate();
          } else stats.closes++;
          continue;
        }
        if (!conn || conn.isClosed()) {
          conn = await openAuthenticated(opts.url, opts.token);
          stats.connections++;
        }
        send(conn, c);
        if ("res" in c.expect) {
          const got = await conn.waitRes(c.expect.res, AbortSignal.timeout(frameTimeoutMs));
          // The flood guard closing a connection that kept calling what it may not is the
          // documented answer (reference §2 item 11), not a failure.
          if (got === "closed" && conn.closeReason() === FLOOD_GUARD_REASON) stats.closes++;
          else if (got === "closed")
            fail(c, `connection closed (${await conn.closed}) instead of a response`);
          else stats.responses++;
        } else {
          const code = await Promise.race([
            conn.closed,
            new Promise<"timeout">((r) => setTimeout(r, frameTimeoutMs, "timeout").unref()),
          ]);
          if (code === "timeout") fail(c, "connection not closed");
          else stats.closes++;
          conn.ws.terminate();
          conn = undefined;
        }
      } catch (err) {
        fail(c, err instanceof Error ? err.message : String(err));
        conn?.ws.terminate();
        conn = undefined;
      }
    }
    conn?.ws.close();
  };

  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return stats;
}
