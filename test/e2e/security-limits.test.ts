// Connection limits through the real gateway (reference-gateway §2 items 2 and 10, advisory
// GHSA-f44p-c7w9-7xr7): a pre-auth socket flood and a client that stops reading cost the
// offender its sockets, never the gateway or the other clients.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { connect as tcpConnect } from "node:net";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";
import { connectParams, openPeer, type WsPeer } from "../harness/ws-peer.ts";

type Upgrade =
  | { kind: "open"; ws: WebSocket; closed: Promise<number> }
  | { kind: "refused"; status: number; body: string };

/** Opens a WebSocket from `localAddress` (any 127/8 address is this machine on Linux). */
function tryUpgrade(url: string, localAddress: string): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress });
    ws.on("error", () => undefined);
    const closed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
    ws.once("open", () => resolve({ kind: "open", ws, closed }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ kind: "refused", status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
  });
}

/** One masked client text frame (RFC 6455 §5.2), for writes `ws` would split up. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 65536);
  const head =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, mask, body]);
}

/**
 * Upgrades a raw TCP socket, writes `frames` in ONE write (so the gateway reads them all before
 * it can answer any), and resolves with the server's close frame (code, reason).
 */
function rawBurst(port: number, frames: Buffer[]): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    let upgraded = false;
    socket.on("error", reject);
    socket.on("connect", () =>
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        assert.match(buf.subarray(0, end).toString(), /^HTTP\/1\.1 101 /);
        buf = buf.subarray(end + 4);
        upgraded = true;
        socket.write(Buffer.concat(frames));
      }
      // Server frames are unmasked: opcode, 7- or 16-bit length, payload.
      while (buf.length >= 2) {
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        }
        if (buf.length < off + len) return;
        const opcode = buf[0]! & 0x0f;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 0x8) {
          socket.destroy();
          resolve({ code: payload.readUInt16BE(0), reason: payload.subarray(2).toString() });
          return;
        }
      }
    });
  });
}

describe("connection limits", { concurrency: true }, () => {
  let gw: SpawnedGateway;
  let client: GatewayClient;
  const sockets: WebSocket[] = [];
  const peers: WsPeer[] = [];

  before(async () => {
    gw = await spawnGateway({ env: { OPENCLAW_MAX_PREAUTH_CONNECTIONS_PER_IP: "8" } });
    client = await gw.connect();
  });
  after(async () => {
    for (const s of sockets) s.terminate();
    for (const p of peers) p.close();
    client.close();
    await disposeGateway(gw);
  });

  test("a pre-auth flood is capped per address; everyone else still connects and gets answers", async () => {
    const flood = await Promise.all(Array.from({ length: 40 }, () => tryUpgrade(gw.wsUrl, "127.0.0.3")));
    const open = flood.filter((u) => u.kind === "open");
    const refused = flood.filter((u) => u.kind === "refused");
    for (const u of open) sockets.push(u.ws);
    assert.equal(open.length, 8, "exactly the per-address cap is admitted");
    assert.equal(refused.length, 32);
    for (const r of refused)
      assert.deepEqual(
        { status: r.status, body: r.body.trim() },
        { status: 503, body: "Too many unauthenticated sockets" },
      );

    // The flood holds its sockets; an already connected client and a new one elsewhere are served.
    assert.ok(await client.request("health", {}));
    const fresh = await openPeer(gw.wsUrl, { token: gw.token! });
    peers.push(fresh);
    assert.equal((await fresh.connect())["ok"], true);
    assert.equal((await fresh.request("health", {}))["ok"], true);

    // The flood's sockets never authenticate: the handshake timeout closes them, and the address
    // gets its places back.
    const codes = await Promise.all(open.map((u) => u.closed));
    assert.deepEqual(new Set(codes), new Set([1008]));
    const again = await tryUpgrade(gw.wsUrl, "127.0.0.3");
    assert.equal(again.kind, "open");
    if (again.kind === "open") sockets.push(again.ws);
    assert.equal(gw.proc.exitCode, null);
  });

  test("a client that queues more than 64 frames behind connect is closed before any is read", async () => {
    const connect = { type: "req", id: "c", method: "connect", params: connectParams({ token: gw.token! }) };
    const burst = [maskedTextFrame(JSON.stringify(connect))];
    for (let i = 0; i < 100; i++)
      burst.push(maskedTextFrame(JSON.stringify({ type: "req", id: `q${i}`, method: "health" })));
    assert.deepEqual(await rawBurst(gw.port, burst), { code: 1008, reason: "too many pre-connect frames" });
  });

  test("a client that stops reading is closed as a slow consumer; the gateway and others carry on", async () => {
    const slow = await openPeer(gw.wsUrl, { token: gw.token! });
    peers.push(slow);
    const res = await slow.request("connect", {
      ...connectParams({ token: gw.token! }),
      scopes: ["operator.admin"],
    });
    assert.equal(res["ok"], true);
    slow.ws.pause(); // stop reading: everything the gateway sends now piles up on its side
    const closedLine = gw.waitForOutput(/closing slow consumer/, 60_000);
    // config.schema answers ~300 KB; a few hundred of them exceed the 50 MiB maxBufferedBytes.
    let sent = 0;
    let done = false;
    void closedLine.finally(() => {
      done = true;
    });
    while (!done && sent < 600) {
      for (let i = 0; i < 20; i++)
        slow.send({ type: "req", id: randomUUID(), method: "config.schema", params: {} });
      sent += 20;
      await client.request("health", {}); // paces the sender and proves the gateway still answers
    }
    await closedLine;
    slow.ws.resume();
    const close = await slow.waitClose(60_000);
    assert.deepEqual(close, { code: 1008, reason: "slow consumer" });
    assert.ok(await client.request("health", {}));
    assert.equal(gw.proc.exitCode, null);
  });
});
