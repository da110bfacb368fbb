import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { deviceIdOf, parseDevicePublicKey, verifyDeviceAuth } from "../../src/gateway/device-auth.ts";
import { buildDeviceAuthPayload } from "../../src/protocol/device-auth.ts";
import type { ConnectParams } from "../../src/protocol/frames.ts";
import { FIXTURE_STATE } from "../harness/gateway.ts";

const NOW = 1_800_000_000_000;
const NONCE = "challenge-nonce-1";

function newKey() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { publicKey, privateKey, raw, id: deviceIdOf(raw) };
}

/** A connect signed the way a client does it; `tweak` changes fields after signing. */
function signedConnect(
  key = newKey(),
  opts: {
    version?: "v2" | "v3";
    signedAt?: number;
    signNonce?: string;
    token?: string;
    pem?: boolean;
  } = {},
): ConnectParams {
  const signedAt = opts.signedAt ?? NOW;
  const nonce = opts.signNonce ?? NONCE;
  const payload = buildDeviceAuthPayload(opts.version ?? "v3", {
    deviceId: key.id,
    clientId: "cli",
    clientMode: "cli",
    role: "operator",
    scopes: ["operator.read", "operator.write"],
    signedAtMs: signedAt,
    token: opts.token ?? "",
    nonce,
    platform: " Linux ",
    deviceFamily: "Desktop",
  });
  return {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: "cli", version: "1", platform: " Linux ", deviceFamily: "Desktop", mode: "cli" },
    role: "operator",
    scopes: ["operator.read", "operator.write"],
    ...(opts.token ? { auth: { token: opts.token } } : {}),
    device: {
      id: key.id,
      publicKey: opts.pem
        ? key.publicKey.export({ format: "pem", type: "spki" }).toString()
        : key.raw.toString("base64url"),
      signature: sign(null, Buffer.from(payload), key.privateKey).toString("base64url"),
      signedAt,
      nonce,
    },
  };
}

test("the signed strings are the reference's pipe-joined v2 and v3 payloads", () => {
  const fields = {
    deviceId: "dev",
    clientId: "cli",
    clientMode: "cli",
    role: "operator",
    scopes: ["operator.admin", "operator.read"],
    signedAtMs: 1700000000000,
    token: "tok",
    nonce: "n1",
    platform: "  MacOS ",
    deviceFamily: "iPhone",
  };
  assert.equal(
    buildDeviceAuthPayload("v2", fields),
    "v2|dev|cli|cli|operator|operator.admin,operator.read|1700000000000|tok|n1",
  );
  assert.equal(
    buildDeviceAuthPayload("v3", fields),
    "v3|dev|cli|cli|operator|operator.admin,operator.read|1700000000000|tok|n1|macos|iphone",
  );
  assert.equal(
    buildDeviceAuthPayload("v3", {
      ...fields,
      token: "",
      scopes: [],
      platform: undefined,
      deviceFamily: undefined,
    }),
    "v3|dev|cli|cli|operator||1700000000000||n1||",
  );
  // ASCII-only lowercasing: non-ASCII letters stay as they are.
  assert.equal(buildDeviceAuthPayload("v3", { ...fields, platform: "ÉTÉ" }).split("|")[9], "ÉtÉ");
});

test("a v3 signature over the challenge verifies, with a raw or a PEM public key", () => {
  const key = newKey();
  const ok = verifyDeviceAuth(signedConnect(key), NONCE, NOW);
  assert.deepEqual(ok, {
    ok: true,
    deviceId: key.id,
    publicKey: key.raw.toString("base64url"),
    version: "v3",
  });
  const pem = verifyDeviceAuth(signedConnect(key, { pem: true }), NONCE, NOW + 1000);
  assert.equal(pem.ok, true);
});

test("v2 is still accepted, and the token field may carry the shared token", () => {
  const v2 = verifyDeviceAuth(signedConnect(newKey(), { version: "v2" }), NONCE, NOW);
  assert.equal(v2.ok && v2.version, "v2");
  assert.equal(verifyDeviceAuth(signedConnect(newKey(), { token: "shared" }), NONCE, NOW).ok, true);
});

function reasonOf(params: ConnectParams, nowMs = NOW, nonce = NONCE): string {
  const r = verifyDeviceAuth(params, nonce, nowMs);
  assert.equal(r.ok, false);
  return r.ok ? "" : `${r.reason}: ${r.message}`;
}

test("a bad signature, a foreign id, a stale time and a wrong or missing nonce are refused by name", () => {
  const key = newKey();
  const tampered = signedConnect(key);
  tampered.scopes = ["operator.admin"]; // scope elevation after signing
  assert.equal(reasonOf(tampered), "device-signature: device signature invalid");

  const other = signedConnect(key);
  other.device!.id = newKey().id;
  assert.equal(reasonOf(other), "device-id-mismatch: device identity mismatch");

  assert.equal(
    reasonOf(signedConnect(key), NOW + 120_001),
    "device-signature-stale: device signature expired",
  );
  assert.equal(verifyDeviceAuth(signedConnect(key), NONCE, NOW + 120_000).ok, true, "120 s is still in");
  assert.equal(
    reasonOf(signedConnect(key, { signedAt: NOW + 121_000 })),
    "device-signature-stale: device signature expired",
  );

  const replay = signedConnect(key, { signNonce: "an-old-challenge" });
  assert.equal(reasonOf(replay), "device-nonce-mismatch: device nonce mismatch");
  const noNonce = signedConnect(key);
  delete noNonce.device!.nonce;
  assert.equal(reasonOf(noNonce), "device-nonce-missing: device nonce required");

  const badKey = signedConnect(key);
  badKey.device!.publicKey = "not-a-key";
  assert.equal(reasonOf(badKey), "device-public-key: device public key invalid");
  const garbageSig = signedConnect(key);
  garbageSig.device!.signature = "AAAA";
  assert.equal(reasonOf(garbageSig), "device-signature: device signature invalid");
});

test("the fixture's CLI identity hashes to its recorded deviceId and matches paired.json", async () => {
  const identity = JSON.parse(await readFile(path.join(FIXTURE_STATE, "identity/device.json"), "utf8"));
  const paired = JSON.parse(await readFile(path.join(FIXTURE_STATE, "devices/paired.json"), "utf8"));
  const fromPem = parseDevicePublicKey(identity.publicKeyPem);
  assert.ok(fromPem);
  assert.equal(deviceIdOf(fromPem.raw), identity.deviceId);
  const entry = paired[identity.deviceId];
  assert.equal(entry.publicKey, fromPem.raw.toString("base64url"));
  const fromRaw = parseDevicePublicKey(entry.publicKey);
  assert.equal(fromRaw && deviceIdOf(fromRaw.raw), identity.deviceId);
});
