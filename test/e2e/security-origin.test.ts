// Browser-origin checks through the real gateway (reference-gateway §2 items 2 and 5, SEC-20,
// advisory GHSA-jmmg-jqc7-5qf4): any web page can open a WebSocket to the loopback gateway, so the
// Origin is checked before any credential is looked at — also when there are no credentials.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";
import { type Frame, openPeer, type WsPeer } from "../harness/ws-peer.ts";

const ORIGIN_NOT_ALLOWED =
  "origin not allowed (open the Control UI from the gateway host or allow it in gateway.controlUi.allowedOrigins)";

function errorOf(res: Frame): { code: string; message: string; details?: Record<string, unknown> } {
  assert.equal(res["ok"], false, `expected an error, got ${JSON.stringify(res).slice(0, 300)}`);
  return res["error"] as { code: string; message: string; details?: Record<string, unknown> };
}

function helloScopes(res: Frame): string[] {
  assert.equal(res["ok"], true, `connect failed: ${JSON.stringify(res["error"])}`);
  return (res["payload"] as { auth: { scopes: string[] } }).auth.scopes;
}

const testClient = { client: { id: "test", version: "0", platform: "linux", mode: "test" } };

describe("origin checks with gateway.auth.mode none on loopback", { concurrency: true }, () => {
  let gw: SpawnedGateway;
  const peers: WsPeer[] = [];
  async function peer(headers: Record<string, string>, token?: string): Promise<WsPeer> {
    const p = await openPeer(gw.wsUrl, { headers, ...(token ? { token } : {}) });
    peers.push(p);
    return p;
  }

  before(async () => {
    gw = await spawnGateway({
      config: {
        gateway: { auth: { mode: "none" }, controlUi: { allowedOrigins: ["https://control.example"] } },
      },
    });
  });
  after(async () => {
    for (const p of peers) p.close();
    await disposeGateway(gw);
  });

  test("a stranger's web page is refused with CONTROL_UI_ORIGIN_NOT_ALLOWED and close 1008", async () => {
    const p = await peer({ origin: "https://evil.example" });
    const err = errorOf(await p.connect(testClient));
    assert.equal(err.code, "INVALID_REQUEST");
    assert.equal(err.message, ORIGIN_NOT_ALLOWED);
    assert.deepEqual(err.details, { code: "CONTROL_UI_ORIGIN_NOT_ALLOWED", origin: "https://evil.example" });
    assert.deepEqual(await p.waitClose(), { code: 1008, reason: ORIGIN_NOT_ALLOWED });
  });

  test("a DNS-rebinding page (its origin matches the Host it sends) is refused", async () => {
    const host = `rebind.example:${gw.port}`;
    const p = await peer({ origin: `http://${host}`, host });
    assert.equal(errorOf(await p.connect(testClient)).details?.["code"], "CONTROL_UI_ORIGIN_NOT_ALLOWED");
  });

  test("the gateway's own page and allowedOrigins get in; a plain client needs no origin", async () => {
    const own = await peer({ origin: `http://127.0.0.1:${gw.port}` });
    assert.deepEqual(helloScopes(await own.connect(testClient)), []);
    const listed = await peer({ origin: "https://control.example" });
    assert.deepEqual(helloScopes(await listed.connect(testClient)), []);
    const plain = await peer({});
    assert.equal((await plain.connect(testClient))["ok"], true);
  });
});

describe("origin checks come before credentials", { concurrency: true }, () => {
  let gw: SpawnedGateway;
  const peers: WsPeer[] = [];

  before(async () => {
    gw = await spawnGateway({
      config: { gateway: { auth: { token: "origin-test-token", rateLimit: { maxAttempts: 2 } } } },
    });
  });
  after(async () => {
    for (const p of peers) p.close();
    await disposeGateway(gw);
  });

  test("a foreign page is told about its origin, not about its token, right or wrong", async () => {
    for (const token of ["wrong-token", "origin-test-token", "again-wrong", "still-wrong"]) {
      const p = await openPeer(gw.wsUrl, { headers: { origin: "https://evil.example" }, token });
      peers.push(p);
      const err = errorOf(await p.connect());
      assert.equal(err.details?.["code"], "CONTROL_UI_ORIGIN_NOT_ALLOWED", `token ${token}`);
    }
    // Refused before auth, so those attempts never reached the failed-auth counter either.
    const own = await openPeer(gw.wsUrl, {
      headers: { origin: `http://127.0.0.1:${gw.port}` },
      token: "nope",
    });
    peers.push(own);
    assert.equal(errorOf(await own.connect()).details?.["code"], "AUTH_TOKEN_MISMATCH");
  });
});
