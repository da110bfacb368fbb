import assert from "node:assert/strict";
import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import {
  type DeviceClaim,
  DevicePairingStore,
  MAX_PENDING_REQUESTS,
  PENDING_TTL_MS,
  pairingNeeded,
} from "../../src/gateway/device-pairing.ts";
import { FIXTURE_STATE } from "../harness/gateway.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const newDir = tempDirs("device-pairing");
const NOW = 1_800_000_000_000;
const FIXTURE_DEVICE = "78531cdff0dc7f65e93a7d6f7bef1a5da7863d16955fb357a0ce911dc91aff0c";
const FIXTURE_TOKEN = "Rg8bPUwYNUFcyZNtf_HrVDgiGCqwpqtivjA74RA3Wn0";

function claim(over: Partial<DeviceClaim> = {}): DeviceClaim {
  return {
    deviceId: "d1",
    publicKey: "pk1",
    platform: "linux",
    clientId: "cli",
    clientMode: "cli",
    role: "operator",
    scopes: ["operator.read"],
    ...over,
  };
}

test("pairing is needed for an unknown device, a new key, new metadata, role or scopes", async () => {
  const store = new DevicePairingStore(await newDir());
  assert.equal(pairingNeeded(undefined, claim()), "not-paired");
  const paired = await store.approveDirect(claim(), NOW);
  assert.equal(pairingNeeded(paired, claim()), undefined);
  assert.equal(pairingNeeded(paired, claim({ scopes: [] })), undefined, "fewer scopes are covered");
  assert.equal(pairingNeeded(paired, claim({ publicKey: "pk2" })), "public-key");
  assert.equal(pairingNeeded(paired, claim({ platform: "darwin" })), "metadata-upgrade");
  assert.equal(pairingNeeded(paired, claim({ platform: " Linux " })), undefined);
  assert.equal(pairingNeeded(paired, claim({ role: "node", scopes: [] })), "role-upgrade");
  assert.equal(pairingNeeded(paired, claim({ scopes: ["operator.admin"] })), "scope-upgrade");
});

test("a request is approved once, moves to paired, and expires after its TTL", async () => {
  const store = new DevicePairingStore(await newDir());
  const req = await store.request(claim(), NOW, false);
  assert.equal(
    (await store.request(claim(), NOW + 1, false)).requestId,
    req.requestId,
    "one live request per device",
  );
  assert.equal((await store.listPending(NOW)).length, 1);
  const device = await store.approve(req.requestId, NOW + 2);
  assert.equal(device?.deviceId, "d1");
  assert.equal(await store.approve(req.requestId, NOW + 3), undefined);
  assert.deepEqual(await store.listPending(NOW), []);

  const late = await store.request(claim({ deviceId: "d2" }), NOW, false);
  assert.deepEqual(await store.listPending(NOW + PENDING_TTL_MS), []);
  assert.equal(await store.approve(late.requestId, NOW + PENDING_TTL_MS), undefined);
});

test("pending requests are capped, oldest dropped first", async () => {
  const store = new DevicePairingStore(await newDir());
  for (let i = 0; i <= MAX_PENDING_REQUESTS; i++)
    await store.request(claim({ deviceId: `d${i}` }), NOW + i, false);
  const pending = await store.listPending(NOW);
  assert.equal(pending.length, MAX_PENDING_REQUESTS);
  assert.ok(!pending.some((r) => r.deviceId === "d0"));
});

test("tokens are hashed at rest; the fixture's clear token is accepted and hashed on the next write", async () => {
  const dir = await newDir();
  await cp(path.join(FIXTURE_STATE, "devices"), path.join(dir, "devices"), { recursive: true });
  const store = new DevicePairingStore(dir);
  assert.ok(await store.verifyToken(FIXTURE_DEVICE, "operator", FIXTURE_TOKEN));
  assert.equal(await store.verifyToken(FIXTURE_DEVICE, "operator", `${FIXTURE_TOKEN}x`), undefined);
  assert.equal(await store.verifyToken(FIXTURE_DEVICE, "node", FIXTURE_TOKEN), undefined);

  const issued = await store.issueToken(FIXTURE_DEVICE, "node", [], NOW);
  assert.ok(issued);
  const text = await readFile(path.join(dir, "devices/paired.json"), "utf8");
  assert.ok(!text.includes(FIXTURE_TOKEN) && !text.includes(issued), "no token in clear on disk");
  assert.ok(await store.verifyToken(FIXTURE_DEVICE, "operator", FIXTURE_TOKEN), "the old token still works");
  assert.ok(await store.verifyToken(FIXTURE_DEVICE, "node", issued));
  const entry = JSON.parse(text)[FIXTURE_DEVICE];
  assert.deepEqual(entry.approvedScopes, entry.scopes, "the fixture's other fields are kept");
  assert.equal(entry.approvedAtMs, 1795598011778);

  assert.equal(await store.revokeToken(FIXTURE_DEVICE, "operator"), true);
  assert.equal(await store.verifyToken(FIXTURE_DEVICE, "operator", FIXTURE_TOKEN), undefined);
});
