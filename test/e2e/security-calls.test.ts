// After the handshake (reference-gateway §2 item 11 and "Authorization"): a client that keeps
// calling what its scopes do not allow is closed, and whole-config writes are rate limited.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayRequestError } from "../../src/client/gateway-client.ts";
import { disposeGateway, spawnGateway } from "../harness/gateway.ts";
import { connectParams, openPeer } from "../harness/ws-peer.ts";

test("ten unauthorized calls close the connection with 1008 repeated unauthorized calls", async (t) => {
  const gw = await spawnGateway();
  t.after(() => disposeGateway(gw));
  const reader = await openPeer(gw.wsUrl);
  t.after(() => reader.close());
  const hello = await reader.connect({ ...connectParams({ token: gw.token }), scopes: ["operator.read"] });
  assert.equal(hello["ok"], true);
  for (let i = 1; i < 10; i++) {
    const res = await reader.request("config.set", { raw: "{}" });
    assert.equal((res["error"] as { message: string }).message, "missing scope: operator.admin");
  }
  assert.equal((await reader.request("health"))["ok"], true, "allowed calls are untouched by the count");
  reader.send({ type: "req", id: "tenth", method: "config.set", params: { raw: "{}" } });
  assert.deepEqual(await reader.waitClose(), { code: 1008, reason: "repeated unauthorized calls" });
  const admin = await gw.connect();
  t.after(() => admin.close());
  await admin.request("health"); // the gateway and other clients are fine
});

test("config.patch is limited to 3 per minute per client, with a retry delay", async (t) => {
  const gw = await spawnGateway();
  t.after(() => disposeGateway(gw));
  const admin = await gw.connect();
  t.after(() => admin.close());
  const patch = async (level: string) => {
    const { hash } = await admin.request<{ hash: string | null }>("config.get", {});
    return admin.request("config.patch", {
      raw: `{ logging: { level: "${level}" } }`,
      ...(hash ? { baseHash: hash } : {}),
    });
  };
  for (const level of ["debug", "info", "debug"]) await patch(level);
  const err = await patch("info").then(
    () => assert.fail("the fourth write in a minute must be refused"),
    (e: unknown) => e as GatewayRequestError,
  );
  assert.equal(err.code, "UNAVAILABLE");
  assert.match(err.message, /^rate limit exceeded for config\.patch; retry after (60|59)s$/);
  await admin.request("config.get", {}); // reads are not limited
});
