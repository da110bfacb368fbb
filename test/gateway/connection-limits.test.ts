import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionLimiter, connectionCapsFromEnv } from "../../src/gateway/connection-limits.ts";

test("unauthenticated sockets are capped per address; others and authenticated ones are not held back", () => {
  const lim = new ConnectionLimiter({ preAuthPerAddress: 2, preAuthTotal: 10, total: 10 });
  const a1 = lim.admit("a");
  const a2 = lim.admit("a");
  assert.ok(a1.ok && a2.ok);
  assert.deepEqual(lim.admit("a"), { ok: false, reason: "Too many unauthenticated sockets" });
  assert.equal(lim.admit("b").ok, true, "another address still gets in");
  a1.slot.authenticated();
  assert.equal(lim.admit("a").ok, true, "an authenticated socket frees its pre-auth place");
  assert.deepEqual(lim.counts, { total: 4, preAuth: 3, addresses: 2 });
});

test("release is idempotent and returns every place", () => {
  const lim = new ConnectionLimiter({ preAuthPerAddress: 1, preAuthTotal: 10, total: 10 });
  const a = lim.admit("a");
  assert.ok(a.ok);
  a.slot.release();
  a.slot.release();
  a.slot.authenticated();
  assert.deepEqual(lim.counts, { total: 0, preAuth: 0, addresses: 0 });
  const b = lim.admit("a");
  assert.ok(b.ok);
  b.slot.authenticated();
  b.slot.release();
  assert.deepEqual(lim.counts, { total: 0, preAuth: 0, addresses: 0 });
});

test("the total pre-auth cap bounds a flood from many addresses, and the total cap everything", () => {
  const lim = new ConnectionLimiter({ preAuthPerAddress: 5, preAuthTotal: 3, total: 4 });
  for (const ip of ["a", "b", "c"]) assert.equal(lim.admit(ip).ok, true);
  assert.deepEqual(lim.admit("d"), { ok: false, reason: "Too many unauthenticated sockets" });
  const lim2 = new ConnectionLimiter({ preAuthPerAddress: 5, preAuthTotal: 5, total: 2 });
  const x = lim2.admit("a");
  assert.ok(x.ok);
  x.slot.authenticated();
  assert.equal(lim2.admit("b").ok, true);
  assert.deepEqual(lim2.admit("c"), { ok: false, reason: "Too many connections" });
});

test("OPENCLAW_MAX_PREAUTH_CONNECTIONS_PER_IP overrides the per-address cap", () => {
  assert.equal(connectionCapsFromEnv({ OPENCLAW_MAX_PREAUTH_CONNECTIONS_PER_IP: "4" }).preAuthPerAddress, 4);
  assert.equal(connectionCapsFromEnv({ OPENCLAW_MAX_PREAUTH_CONNECTIONS_PER_IP: "x" }).preAuthPerAddress, 32);
  assert.equal(connectionCapsFromEnv({}).preAuthPerAddress, 32);
});
