import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FakeLlm } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";
import { connectParams, type Frame, openPeer, type WsPeer } from "../harness/ws-peer.ts";

interface ErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

function errorOf(res: Frame): ErrorShape {
  assert.equal(res["ok"], false, `expected an error response, got ${JSON.stringify(res)}`);
  return res["error"] as ErrorShape;
}

function isRes(id: string): (f: Frame) => boolean {
  return (f) => f.type === "res" && f.id === id;
}

// Every test talks to the gateway over its own sockets, so they share one gateway and run side by
// side: the handshake-timeout test waits its 10 s while the others run.
describe("gateway WebSocket protocol", { concurrency: true }, () => {
  let llm: FakeLlm;
  let gw: SpawnedGateway;
  const peers: WsPeer[] = [];

  /** A socket that has not sent anything yet. */
  async function open(token = gw.token): Promise<WsPeer> {
    const peer = await openPeer(gw.wsUrl, token ? { token } : {});
    peers.push(peer);
    return peer;
  }

  /** A socket past a successful `connect`. */
  async function connected(params: Record<string, unknown> = {}): Promise<WsPeer> {
    const peer = await open();
    const res = await peer.connect(params);
    assert.equal(res["ok"], true, `connect failed: ${JSON.stringify(res["error"])}`);
    return peer;
  }

  before(async () => {
    llm = await startFakeOpenAI();
    llm.setDefault({ kind: "text", text: "Herons wade.", chunks: 3 });
    gw = await spawnGateway({
      config: {
        models: {
          providers: {
            fake: {
              baseUrl: llm.baseUrl,
              api: "openai-completions",
              apiKey: "sk-test",
              models: [{ id: "m1", name: "Fake M1" }],
            },
          },
        },
        agents: { defaults: { model: { primary: "fake/m1" } } },
      },
    });
  });
  after(async () => {
    for (const p of peers) p.close();
    await disposeGateway(gw);
    await llm.close();
  });

  describe("handshake", { concurrency: true }, () => {
    test("the server speaks first with connect.challenge {nonce, ts}", async () => {
      const peer = await open();
      const first = await peer.waitFor(() => true);
      assert.equal(first.type, "event");
      assert.equal(first.event, "connect.challenge");
      const payload = first["payload"] as { nonce: unknown; ts: unknown };
      assert.equal(typeof payload.nonce, "string");
      assert.ok((payload.nonce as string).length >= 16);
      assert.equal(typeof payload.ts, "number");
    });

    test("a valid request that is not connect gets INVALID_REQUEST and close 1008", async () => {
      const peer = await open();
      peer.send({ type: "req", id: "h1", method: "health" });
      const err = errorOf(await peer.waitFor(isRes("h1")));
      assert.equal(err.code, "INVALID_REQUEST");
      assert.equal(err.message, "invalid handshake: first request must be connect");
      assert.deepEqual(await peer.waitClose(), {
        code: 1008,
        reason: "invalid handshake: first request must be connect",
      });
    });

    test("malformed JSON as the first frame closes 1008", async () => {
      const peer = await open();
      peer.send("{ this is not json");
      const close = await peer.waitClose();
      assert.equal(close.code, 1008);
      assert.equal(close.reason, "invalid request frame");
      assert.ok(!peer.frames.some((f) => f.type === "res"), "no response to a frame without an id");
    });

    test("a non-request first frame closes 1008 invalid request frame", async () => {
      const peer = await open();
      peer.send({ type: "event", event: "hello" });
      assert.deepEqual(await peer.waitClose(), { code: 1008, reason: "invalid request frame" });
    });

    test("bad connect params are named in the error, then close 1008", async () => {
      const peer = await open();
      const res = await peer.connect({
        client: { id: "nope", version: "0.0.0", platform: process.platform, mode: "test" },
      });
      const err = errorOf(res);
      assert.equal(err.code, "INVALID_REQUEST");
      assert.match(err.message, /^invalid connect params: .*client\.id/);
      const close = await peer.waitClose();
      assert.equal(close.code, 1008);
      assert.match(close.reason, /^invalid connect params/);
    });

    test("a client that only speaks protocol 3 gets protocol mismatch and close 1002", async () => {
      const peer = await open();
      const err = errorOf(await peer.connect({ minProtocol: 3, maxProtocol: 3 }));
      assert.equal(err.code, "INVALID_REQUEST");
      assert.equal(err.message, "protocol mismatch");
      assert.equal(err.details?.["expectedProtocol"], 4);
      assert.deepEqual(await peer.waitClose(), { code: 1002, reason: "protocol mismatch" });
    });

    test("a wrong token is AUTH_TOKEN_MISMATCH and close 1008", async () => {
      const peer = await open("not-the-token");
      const err = errorOf(await peer.connect());
      assert.equal(err.code, "INVALID_REQUEST");
      assert.match(err.message, /^unauthorized: gateway token mismatch/);
      assert.equal(err.details?.["code"], "AUTH_TOKEN_MISMATCH");
      const close = await peer.waitClose();
      assert.equal(close.code, 1008);
      assert.match(close.reason, /^unauthorized: gateway token mismatch/);
    });

    test("a missing token is AUTH_TOKEN_MISSING and close 1008", async () => {
      const peer = await open("");
      const err = errorOf(await peer.connect());
      assert.match(err.message, /^unauthorized: gateway token missing/);
      assert.equal(err.details?.["code"], "AUTH_TOKEN_MISSING");
      assert.equal((await peer.waitClose()).code, 1008);
    });

    test("a pre-connect frame over 64 KiB closes 1008 without being read", async () => {
      const peer = await open();
      peer.send({
        type: "req",
        id: "big",
        method: "connect",
        params: { ...connectParams({ token: gw.token! }), userAgent: "x".repeat(70 * 1024) },
      });
      const close = await peer.waitClose();
      assert.equal(close.code, 1008);
      assert.ok(!peer.frames.some((f) => f.type === "res"), "the oversized connect is not answered");
    });

    test("requests pipelined behind connect are answered after hello-ok", async () => {
      const peer = await open();
      peer.send({ type: "req", id: "c", method: "connect", params: connectParams({ token: gw.token! }) });
      peer.send({ type: "req", id: "h", method: "health", params: {} });
      peer.send({ type: "req", id: "u", method: "nope", params: {} });
      const hello = await peer.waitFor(isRes("c"));
      await peer.waitFor(isRes("h"));
      await peer.waitFor(isRes("u"));
      const order = peer.frames.filter((f) => f.type === "res").map((f) => f.id);
      assert.equal(order[0], "c", `hello-ok comes first; got ${order.join(", ")}`);
      assert.equal((hello["payload"] as { type: string }).type, "hello-ok");
    });

    test("a socket that never sends connect is closed after the 10 s handshake timeout", async () => {
      const peer = await open();
      const close = await peer.waitClose(30_000);
      assert.deepEqual(close, { code: 1008, reason: "handshake timeout" });
      assert.deepEqual(
        peer.frames.map((f) => f.event),
        ["connect.challenge"],
      );
    });
  });

  describe("after connect", { concurrency: true }, () => {
    test("malformed JSON gets a response with id invalid and INVALID_REQUEST", async () => {
      const peer = await connected();
      peer.send("{ nope");
      const err = errorOf(await peer.waitFor(isRes("invalid")));
      assert.equal(err.code, "INVALID_REQUEST");
      assert.match(err.message, /^invalid request frame/);
      const health = await peer.request("health", {});
      assert.equal(health["ok"], true, "the connection stays usable");
    });

    test("an unknown method is named in the error", async () => {
      const peer = await connected();
      const err = errorOf(await peer.request("x", {}));
      assert.equal(err.code, "INVALID_REQUEST");
      assert.equal(err.message, "unknown method: x");
    });

    test("bad params are INVALID_REQUEST naming the field", async () => {
      const peer = await connected();
      const send = errorOf(await peer.request("chat.send", { sessionKey: "main", message: "hi" }));
      assert.equal(send.code, "INVALID_REQUEST");
      assert.match(send.message, /idempotencyKey/);
      const history = errorOf(await peer.request("chat.history", { sessionKey: "main", limit: 0 }));
      assert.equal(history.code, "INVALID_REQUEST");
      assert.match(history.message, /limit/);
    });

    test("a read-only client is refused config.set with missing scope: operator.admin", async () => {
      const peer = await connected({ scopes: ["operator.read"] });
      const err = errorOf(await peer.request("config.set", { raw: "{}", baseHash: "0".repeat(64) }));
      assert.equal(err.code, "INVALID_REQUEST");
      assert.equal(err.message, "missing scope: operator.admin");
      const status = await peer.request("status", {});
      assert.equal(status["ok"], true, "reads still work");
    });

    test("health answers any connected client, even one without scopes", async () => {
      const peer = await connected({ scopes: [] });
      const res = await peer.request("health", {});
      assert.equal(res["ok"], true, JSON.stringify(res["error"]));
      assert.equal(typeof res["payload"], "object");
    });

    test("a frame over maxPayload closes only that connection with 1009", async () => {
      const bystander = await connected();
      const sender = await connected();
      sender.send(Buffer.alloc(26 * 1024 * 1024, 0x61));
      const close = await sender.waitClose();
      assert.equal(close.code, 1009);
      const health = await bystander.request("health", {});
      assert.equal(health["ok"], true, "the other client keeps working");
      assert.equal(gw.proc.exitCode, null, "the gateway process stays up");
      const fresh = await connected();
      assert.equal((await fresh.request("health", {}))["ok"], true);
    });

    test("events carry a per-connection seq that increases by one, with none lost", async () => {
      const peer = await connected();
      const ack = await peer.request("chat.send", {
        sessionKey: "agent:main:seq",
        message: "Where do herons live?",
        idempotencyKey: "seq-1",
      });
      assert.equal(ack["ok"], true, JSON.stringify(ack["error"]));
      const runId = (ack["payload"] as { runId: string }).runId;
      await peer.waitFor((f) => {
        const p = f["payload"] as { runId?: string; state?: string } | undefined;
        return f.event === "chat" && p?.runId === runId && p.state === "final";
      });
      const seqs = peer.frames.filter((f) => f.type === "event").map((f) => f.seq);
      assert.ok(seqs.length >= 3, `expected several events, got ${JSON.stringify(seqs)}`);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i),
      );
    });
  });
});
