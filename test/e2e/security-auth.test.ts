// Failed-auth lockout, trusted proxies and scope elevation through the real gateway
// (reference-gateway §1 `gateway.auth.rateLimit`, §2 items 6–7, §3 `gateway.trustedProxies`, §7;
// SEC-5, SEC-6; advisories GHSA-jmmg-jqc7-5qf4 and GHSA-rqpp-rjj8-7wv8).
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { deviceIdOf } from "../../src/gateway/device-auth.ts";
import { buildDeviceAuthPayload } from "../../src/protocol/device-auth.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";
import { type Frame, openPeer, type WsPeer } from "../harness/ws-peer.ts";

const TOKEN = "security-auth-token";
const RATE_LIMITED = "unauthorized: too many failed authentication attempts (retry later)";
const ALL_SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
];

interface ErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  retryAfterMs?: number;
}

function errorOf(res: Frame): ErrorShape {
  assert.equal(res["ok"], false, `expected an error, got ${JSON.stringify(res).slice(0, 300)}`);
  return res["error"] as ErrorShape;
}

function helloScopes(res: Frame): string[] {
  assert.equal(res["ok"], true, `connect failed: ${JSON.stringify(res["error"])}`);
  return (res["payload"] as { auth: { scopes: string[] } }).auth.scopes;
}

function assertLockedOut(err: ErrorShape): void {
  assert.equal(err.code, "INVALID_REQUEST");
  assert.equal(err.message, RATE_LIMITED);
  assert.equal(err.details?.["code"], "AUTH_RATE_LIMITED");
  assert.equal(err.retryable, true);
  assert.ok(
    typeof err.retryAfterMs === "number" && err.retryAfterMs > 0 && err.retryAfterMs <= 600_000,
    `retryAfterMs ${err.retryAfterMs}`,
  );
  assert.equal(err.details?.["retryAfterMs"], err.retryAfterMs);
}

describe("failed-auth lockout and trusted proxies", { concurrency: true }, () => {
  let gw: SpawnedGateway;
  const peers: WsPeer[] = [];

  async function attempt(token: string, headers: Record<string, string> = {}, params = {}): Promise<Frame> {
    const p = await openPeer(gw.wsUrl, { token, headers });
    peers.push(p);
    return p.connect(params);
  }

  before(async () => {
    gw = await spawnGateway({
      config: {
        gateway: {
          auth: { token: TOKEN, rateLimit: { maxAttempts: 3, windowMs: 600_000, lockoutMs: 600_000 } },
          trustedProxies: ["127.0.0.1"],
        },
      },
    });
  });
  after(async () => {
    for (const p of peers) p.close();
    await disposeGateway(gw);
  });

  test("a browser page on loopback is locked out after maxAttempts, even with the right token", async () => {
    const page = { origin: `http://localhost:${gw.port}` };
    for (let i = 0; i < 3; i++)
      assert.equal(errorOf(await attempt(`guess-${i}`, page)).details?.["code"], "AUTH_TOKEN_MISMATCH");
    const p = await openPeer(gw.wsUrl, { token: TOKEN, headers: page });
    peers.push(p);
    assertLockedOut(errorOf(await p.connect()));
    assert.deepEqual(await p.waitClose(), { code: 1008, reason: RATE_LIMITED });
  });

  test("local non-browser clients are exempt by default (exemptLoopback)", async () => {
    for (let i = 0; i < 5; i++)
      assert.equal(errorOf(await attempt(`local-guess-${i}`)).details?.["code"], "AUTH_TOKEN_MISMATCH");
    assert.equal((await attempt(TOKEN))["ok"], true);
  });

  test("behind a trusted proxy each forwarded client is counted on its own address", async () => {
    const mallory = { "x-forwarded-for": "203.0.113.66" };
    for (let i = 0; i < 3; i++)
      assert.equal(
        errorOf(await attempt(`proxy-guess-${i}`, mallory)).details?.["code"],
        "AUTH_TOKEN_MISMATCH",
      );
    assertLockedOut(errorOf(await attempt(TOKEN, mallory)));
    // A client the proxy forwards from elsewhere is not held responsible for mallory's guesses,
    // even when mallory writes its address into the header herself (hops left of ours are hers).
    const alice = { "x-forwarded-for": "203.0.113.66, 198.51.100.20" };
    assert.equal((await attempt(TOKEN, alice))["ok"], true);
  });

  test("a client a loopback proxy forwards is never local: no silent scopes, even claiming loopback", async () => {
    const backend = { client: { id: "gateway-client", version: "0", platform: "linux", mode: "backend" } };
    const viaProxy = await attempt(
      TOKEN,
      { "x-forwarded-for": "127.0.0.9" },
      { ...backend, scopes: ALL_SCOPES },
    );
    assert.deepEqual(helloScopes(viaProxy), []);
  });

  test("a device behind a loopback proxy is not paired silently; its request names the forwarded address", async () => {
    const p = await openPeer(gw.wsUrl, { headers: { "x-forwarded-for": "198.51.100.20" } });
    peers.push(p);
    const { res, deviceId } = await signedCliConnect(p, TOKEN);
    const err = errorOf(res);
    assert.equal(err.message, "pairing required");
    const pending = JSON.parse(
      await readFile(path.join(gw.home.stateDir, "devices/pending.json"), "utf8"),
    ) as Record<string, { deviceId: string; remoteIp?: string }>;
    const req = Object.values(pending).find((r) => r.deviceId === deviceId);
    assert.equal(req?.remoteIp, "198.51.100.20");
  });
});

/** A `cli` connect signed by a fresh device key, answering the peer's challenge. */
async function signedCliConnect(p: WsPeer, token: string): Promise<{ res: Frame; deviceId: string }> {
  const challenge = await p.waitFor((f) => f.event === "connect.challenge");
  const nonce = (challenge["payload"] as { nonce: string }).nonce;
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const deviceId = deviceIdOf(raw);
  const client = { id: "cli", version: "1", platform: "linux", mode: "cli" };
  const scopes = ["operator.read"];
  const signedAt = Date.now();
  const payload = buildDeviceAuthPayload("v3", {
    deviceId,
    clientId: client.id,
    clientMode: client.mode,
    role: "operator",
    scopes,
    signedAtMs: signedAt,
    token,
    nonce,
    platform: client.platform,
  });
  const signature = sign(null, Buffer.from(payload), privateKey).toString("base64url");
  const res = await p.request("connect", {
    minProtocol: 4,
    maxProtocol: 4,
    client,
    role: "operator",
    scopes,
    device: { id: deviceId, publicKey: raw.toString("base64url"), signedAt, nonce, signature },
    auth: { token },
  });
  return { res, deviceId };
}

describe("exemptLoopback false", () => {
  let gw: SpawnedGateway;
  const peers: WsPeer[] = [];
  before(async () => {
    gw = await spawnGateway({
      config: { gateway: { auth: { token: TOKEN, rateLimit: { maxAttempts: 2, exemptLoopback: false } } } },
    });
  });
  after(async () => {
    for (const p of peers) p.close();
    await disposeGateway(gw);
  });

  test("locks out a local client too, and the lockout outlives a correct token", async () => {
    for (const token of ["a", "b"]) {
      const p = await openPeer(gw.wsUrl, { token });
      peers.push(p);
      assert.equal(errorOf(await p.connect()).details?.["code"], "AUTH_TOKEN_MISMATCH");
    }
    const p = await openPeer(gw.wsUrl, { token: TOKEN });
    peers.push(p);
    const err = errorOf(await p.connect());
    assertLockedOut(err);
    assert.ok(err.retryAfterMs! > 250_000, "the default lockoutMs is 5 minutes");
  });
});

describe("no scope elevation with the shared token alone", { concurrency: true }, () => {
  let gw: SpawnedGateway;
  const peers: WsPeer[] = [];
  async function connect(
    params: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<WsPeer> {
    const p = await openPeer(gw.wsUrl, { token: TOKEN, headers });
    peers.push(p);
    const res = await p.connect(params);
    p.frames.push({ ...res, type: "hello" });
    return p;
  }
  const hello = (p: WsPeer): Frame => p.frames.find((f) => f.type === "hello")!;

  before(async () => {
    gw = await spawnGateway({ config: { gateway: { auth: { token: TOKEN } } } });
  });
  after(async () => {
    for (const p of peers) p.close();
    await disposeGateway(gw);
  });

  const writes: [string, Record<string, unknown>][] = [
    ["config.set", { raw: "{}" }],
    ["config.patch", { raw: "{}" }],
    ["config.apply", { raw: "{}" }],
  ];

  test("a client without a device asking for operator.admin holds no scopes, and config writes are refused", async () => {
    const p = await connect({
      client: { id: "test", version: "0", platform: "linux", mode: "test" },
      scopes: ALL_SCOPES,
    });
    assert.deepEqual(helloScopes(hello(p)), []);
    for (const [method, params] of writes)
      assert.equal(errorOf(await p.request(method, params)).message, "missing scope: operator.admin", method);
  });

  test("the CLI exception does not hold through a browser Origin", async () => {
    const cli = { client: { id: "cli", version: "0", platform: "linux", mode: "cli" }, scopes: ALL_SCOPES };
    const p = await connect(cli, { origin: `http://127.0.0.1:${gw.port}` });
    assert.deepEqual(helloScopes(hello(p)), []);
    assert.equal(
      errorOf(await p.request("config.set", { raw: "{}" })).message,
      "missing scope: operator.admin",
    );
  });

  test("scopes the reference does not define are dropped, and read/write does not reach config writes", async () => {
    const backend = { id: "gateway-client", version: "0", platform: "linux", mode: "backend" };
    const p = await connect({ client: backend, scopes: ["operator.write", "operator.superuser", "admin"] });
    assert.deepEqual(helloScopes(hello(p)), ["operator.write"]);
    for (const [method, params] of writes)
      assert.equal(errorOf(await p.request(method, params)).message, "missing scope: operator.admin", method);
  });
});
