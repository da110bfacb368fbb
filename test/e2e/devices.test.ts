// Device identity, pairing and scopes through the real gateway (reference-gateway §2 items 7–10,
// SEC-3/SEC-4/SEC-5; advisory GHSA-rqpp-rjj8-7wv8 for the scope clearing).
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DeviceIdentitySchema } from "../../src/client/device-identity.ts";
import { GatewayClient, GatewayRequestError } from "../../src/client/gateway-client.ts";
import { deviceIdOf } from "../../src/gateway/device-auth.ts";
import { buildDeviceAuthPayload } from "../../src/protocol/device-auth.ts";
import {
  copyFixtureState,
  createTestHome,
  disposeGateway,
  type SpawnedGateway,
  spawnGateway,
} from "../harness/gateway.ts";
import { type Frame, openPeer, type WsPeer } from "../harness/ws-peer.ts";

const ALL_SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
];

interface Key {
  id: string;
  raw: string;
  privateKey: KeyObject;
}

function newKey(): Key {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { id: deviceIdOf(raw), raw: raw.toString("base64url"), privateKey };
}

interface ConnectAs {
  key?: Key;
  clientId?: string;
  mode?: string;
  token?: string;
  deviceToken?: string;
  scopes?: string[];
}

/** Answers the challenge with a connect signed (v3) by `key`, and resolves with the `res`. */
async function connectAs(peer: WsPeer, as: ConnectAs): Promise<Frame> {
  const challenge = await peer.waitFor((f) => f.event === "connect.challenge");
  const nonce = (challenge["payload"] as { nonce: string }).nonce;
  const client = { id: as.clientId ?? "cli", version: "1", platform: "linux", mode: as.mode ?? "cli" };
  const scopes = as.scopes ?? ["operator.read", "operator.write"];
  const signedAt = Date.now();
  const auth = {
    ...(as.token ? { token: as.token } : {}),
    ...(as.deviceToken ? { deviceToken: as.deviceToken } : {}),
  };
  const device = as.key
    ? {
        id: as.key.id,
        publicKey: as.key.raw,
        signedAt,
        nonce,
        signature: sign(
          null,
          Buffer.from(
            buildDeviceAuthPayload("v3", {
              deviceId: as.key.id,
              clientId: client.id,
              clientMode: client.mode,
              role: "operator",
              scopes,
              signedAtMs: signedAt,
              token: as.token ?? as.deviceToken ?? "",
              nonce,
              platform: client.platform,
            }),
          ),
          as.key.privateKey,
        ).toString("base64url"),
      }
    : undefined;
  return peer.request("connect", {
    minProtocol: 4,
    maxProtocol: 4,
    client,
    role: "operator",
    scopes,
    ...(device ? { device } : {}),
    ...(Object.keys(auth).length ? { auth } : {}),
  });
}

function errorOf(res: Frame): { code: string; message: string; details?: Record<string, unknown> } {
  assert.equal(res["ok"], false, `expected an error, got ${JSON.stringify(res).slice(0, 300)}`);
  return res["error"] as { code: string; message: string; details?: Record<string, unknown> };
}

function helloAuth(res: Frame): { role: string; scopes: string[]; deviceToken?: string } {
  assert.equal(res["ok"], true, `connect failed: ${JSON.stringify(res["error"])}`);
  return (res["payload"] as { auth: { role: string; scopes: string[]; deviceToken?: string } }).auth;
}

async function readJson(file: string): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await readFile(file, "utf8"));
}

// One after another: the CLI tests share the state dir's identity, and the first asserts on its files.
describe("device pairing and scopes", () => {
  let gw: SpawnedGateway;
  const peers: WsPeer[] = [];

  async function peer(headers?: Record<string, string>): Promise<WsPeer> {
    const p = await openPeer(gw.wsUrl, headers ? { headers } : {});
    peers.push(p);
    return p;
  }

  before(async () => {
    gw = await spawnGateway();
  });
  after(async () => {
    for (const p of peers) p.close();
    await disposeGateway(gw);
  });

  test("the local CLI's device is paired silently and its token is stored hashed", async () => {
    const first = await gw.cli(["health", "--json"]);
    assert.equal(first.code, 0, first.stderr);
    const identityFile = path.join(gw.home.stateDir, "identity/device.json");
    const identity = DeviceIdentitySchema.parse(JSON.parse(await readFile(identityFile, "utf8")));
    assert.equal((await stat(identityFile)).mode & 0o777, 0o600);

    const paired = await readJson(path.join(gw.home.stateDir, "devices/paired.json"));
    const entry = paired[identity.deviceId];
    assert.ok(entry, `paired.json has the CLI's device: ${JSON.stringify(paired)}`);
    // The fixture's shape (OpenClaw 2026.2.26), with the token hashed at rest.
    assert.deepEqual(Object.keys(entry).sort(), [
      "approvedAtMs",
      "approvedScopes",
      "clientId",
      "clientMode",
      "createdAtMs",
      "deviceId",
      "platform",
      "publicKey",
      "remoteIp",
      "role",
      "roles",
      "scopes",
      "tokens",
    ]);
    assert.equal(entry["clientId"], "cli");
    assert.equal(entry["clientMode"], "cli");
    assert.deepEqual(entry["roles"], ["operator"]);
    assert.deepEqual([...(entry["approvedScopes"] as string[])].sort(), [...ALL_SCOPES].sort());
    const token = (entry["tokens"] as Record<string, Record<string, unknown>>)["operator"]!;
    assert.equal(token["token"], undefined, "no clear token at rest");
    assert.match(String(token["tokenSha256"]), /^[0-9a-f]{64}$/);

    const authFile = path.join(gw.home.stateDir, "identity/device-auth.json");
    const stored = await readJson(authFile);
    assert.equal(stored["deviceId"], identity.deviceId as unknown as Record<string, unknown>);
    const issued = (stored["tokens"] as Record<string, { token: string; role: string }>)["operator"]!;
    assert.equal(issued.role, "operator");

    // The next command uses the stored device token: nothing is reissued.
    const second = await gw.cli(["health", "--json"]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await readJson(authFile), stored);

    // And that token alone (no shared token) is enough for the device that holds the key.
    const direct = await GatewayClient.connect({
      url: gw.wsUrl,
      device: { identity, deviceToken: issued.token },
    });
    assert.deepEqual([...direct.hello.auth.scopes].sort(), [...ALL_SCOPES].sort());
    await direct.request("config.get", {});
    direct.close();
  });

  test("a remote device waits for approval, then connects with its device token until it is revoked", async () => {
    const key = newKey();
    const admin = await peer();
    const asAdmin = { clientId: "gateway-client", mode: "backend", token: gw.token!, scopes: ALL_SCOPES };
    helloAuth(await connectAs(admin, asAdmin));
    const remote = { "x-forwarded-for": "203.0.113.7" };
    const refused = errorOf(await connectAs(await peer(remote), { key, token: gw.token! }));
    assert.equal(refused.code, "NOT_PAIRED");
    assert.equal(refused.message, "pairing required");
    assert.equal(refused.details?.["code"], "PAIRING_REQUIRED");
    assert.equal(refused.details?.["reason"], "not-paired");
    const requestId = String(refused.details?.["requestId"]);

    const list = await gw.cli(["devices", "list", "--json"]);
    assert.equal(list.code, 0, list.stderr);
    const { pending } = JSON.parse(list.stdout) as { pending: { requestId: string; deviceId: string }[] };
    assert.ok(
      pending.some((r) => r.requestId === requestId && r.deviceId === key.id),
      `pending shows the request: ${list.stdout}`,
    );

    const requested = await admin.waitFor((f) => f.event === "device.pair.requested");
    assert.deepEqual(
      [
        (requested["payload"] as { requestId: string }).requestId,
        (requested["payload"] as { deviceId: string }).deviceId,
      ],
      [requestId, key.id],
    );

    const approve = await gw.cli(["devices", "approve", requestId, "--json"]);
    assert.equal(approve.code, 0, approve.stderr);
    const resolved = await admin.waitFor(
      (f) =>
        f.event === "device.pair.resolved" && (f["payload"] as { requestId: string }).requestId === requestId,
    );
    assert.equal((resolved["payload"] as { decision: string }).decision, "approved");
    const paired = await readJson(path.join(gw.home.stateDir, "devices/paired.json"));
    assert.ok(paired[key.id]);
    const pendingAfter = await readJson(path.join(gw.home.stateDir, "devices/pending.json"));
    assert.equal(pendingAfter[requestId], undefined);

    const hello = helloAuth(await connectAs(await peer(remote), { key, token: gw.token! }));
    assert.deepEqual(hello.scopes, ["operator.read", "operator.write"]);
    const deviceToken = hello.deviceToken;
    assert.ok(deviceToken, "hello-ok.auth.deviceToken is issued after approval");

    const withToken = await peer(remote);
    assert.equal(helloAuth(await connectAs(withToken, { key, deviceToken })).deviceToken, deviceToken);
    assert.equal((await withToken.request("sessions.list", {}))["ok"], true);

    const wrong = errorOf(await connectAs(await peer(remote), { key, deviceToken: "not-the-token" }));
    assert.equal(wrong.details?.["code"], "AUTH_DEVICE_TOKEN_MISMATCH");
    assert.match(wrong.message, /^unauthorized: device token mismatch/);

    // More scopes than were approved: a new request (scope-upgrade), not a silent grant.
    const upgrade = errorOf(
      await connectAs(await peer(remote), { key, token: gw.token!, scopes: ["operator.admin"] }),
    );
    assert.equal(upgrade.details?.["reason"], "scope-upgrade");

    const revoke = await gw.cli(["devices", "revoke", key.id, "--json"]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const revoked = errorOf(await connectAs(await peer(remote), { key, deviceToken }));
    assert.equal(revoked.details?.["code"], "AUTH_DEVICE_TOKEN_MISMATCH");
  });

  test("a rejected request leaves the device unpaired", async () => {
    const key = newKey();
    const refused = errorOf(
      await connectAs(await peer({ "x-forwarded-for": "198.51.100.2" }), { key, token: gw.token! }),
    );
    const requestId = String(refused.details?.["requestId"]);
    const reject = await gw.cli(["devices", "reject", requestId, "--json"]);
    assert.equal(reject.code, 0, reject.stderr);
    const paired = await readJson(path.join(gw.home.stateDir, "devices/paired.json"));
    assert.equal(paired[key.id], undefined);
    const again = await gw.cli(["devices", "approve", requestId]);
    assert.notEqual(again.code, 0, "a rejected request cannot be approved");
  });

  test("the Control UI page this gateway served on this machine is paired; another origin waits", async () => {
    const ownOrigin = { origin: `http://127.0.0.1:${gw.port}` };
    const ui = { clientId: "openclaw-control-ui", mode: "webchat", token: gw.token!, scopes: ALL_SCOPES };
    const own = helloAuth(await connectAs(await peer(ownOrigin), { ...ui, key: newKey() }));
    assert.deepEqual([...own.scopes].sort(), [...ALL_SCOPES].sort());
    assert.ok(own.deviceToken);

    const foreign = errorOf(
      await connectAs(await peer({ origin: "http://127.0.0.1:1" }), { ...ui, key: newKey() }),
    );
    assert.equal(foreign.message, "pairing required");

    const noDevice = errorOf(await connectAs(await peer(ownOrigin), ui));
    assert.equal(noDevice.details?.["code"], "CONTROL_UI_DEVICE_IDENTITY_REQUIRED");
  });

  test("a bad device signature is DEVICE_AUTH_INVALID with its reason and close 1008", async () => {
    const p = await peer();
    const key = newKey();
    const res = errorOf(await connectAs(p, { key: { ...key, id: newKey().id }, token: gw.token! }));
    assert.equal(res.message, "device identity mismatch");
    assert.deepEqual(res.details, { code: "DEVICE_AUTH_INVALID", reason: "device-id-mismatch" });
    assert.deepEqual(await p.waitClose(), { code: 1008, reason: "device identity mismatch" });
  });

  test("shared-token connects without a device hold no scopes, except the local CLI and backend", async () => {
    const plain = await peer();
    assert.deepEqual(
      helloAuth(await connectAs(plain, { clientId: "test", mode: "test", token: gw.token! })).scopes,
      [],
    );
    assert.equal(errorOf(await plain.request("config.get", {})).message, "missing scope: operator.read");
    assert.equal((await plain.request("health", {}))["ok"], true);

    const cli = await peer();
    assert.deepEqual(helloAuth(await connectAs(cli, { token: gw.token! })).scopes, [
      "operator.read",
      "operator.write",
    ]);
    assert.equal((await cli.request("config.get", {}))["ok"], true);

    const backend = await peer();
    const asBackend = { clientId: "gateway-client", mode: "backend", token: gw.token! };
    assert.equal(helloAuth(await connectAs(backend, asBackend)).scopes.length, 2);

    // The exceptions hold only without a browser Origin and only from the machine itself.
    const viaBrowser = await peer({ origin: `http://127.0.0.1:${gw.port}` });
    assert.deepEqual(helloAuth(await connectAs(viaBrowser, { token: gw.token! })).scopes, []);
    const viaProxy = await peer({ "x-forwarded-for": "203.0.113.9" });
    assert.deepEqual(helloAuth(await connectAs(viaProxy, asBackend)).scopes, []);
  });

  test("pairing methods need operator.pairing", async () => {
    const p = await peer();
    helloAuth(await connectAs(p, { token: gw.token!, scopes: ["operator.read"] }));
    assert.equal(errorOf(await p.request("device.pair.list", {})).message, "missing scope: operator.pairing");
  });
});

test("the fixture's paired CLI device connects with its stored device token and key", async (t) => {
  const home = await createTestHome();
  await copyFixtureState(home.home);
  const gw = await spawnGateway({ home });
  t.after(() => disposeGateway(gw));
  const stateDir = home.stateDir;
  const pairedBefore = await readFile(path.join(stateDir, "devices/paired.json"), "utf8");
  const identity = DeviceIdentitySchema.parse(
    JSON.parse(await readFile(path.join(stateDir, "identity/device.json"), "utf8")),
  );
  const deviceAuth = await readJson(path.join(stateDir, "identity/device-auth.json"));
  const token = (deviceAuth["tokens"] as Record<string, { token: string }>)["operator"]!.token;

  const client = await GatewayClient.connect({ url: gw.wsUrl, device: { identity, deviceToken: token } });
  t.after(() => client.close());
  assert.deepEqual([...client.hello.auth.scopes].sort(), [...ALL_SCOPES].sort());
  assert.equal(client.hello.auth.deviceToken, token);
  const sessions = await client.request<{ sessions: unknown[] }>("sessions.list", {});
  assert.equal(sessions.sessions.length, 3);
  // Using the token rewrites nothing: the fixture's file stays as OpenClaw wrote it.
  assert.equal(await readFile(path.join(stateDir, "devices/paired.json"), "utf8"), pairedBefore);

  const wrong = await GatewayClient.connect({
    url: gw.wsUrl,
    device: { identity, deviceToken: "Rg8bPUwYNUFcyZNtf_HrVDgiGCqwpqtivjA74RA3Wn1" },
  }).then(
    () => assert.fail("a wrong device token connected"),
    (e: unknown) => e,
  );
  assert.ok(wrong instanceof GatewayRequestError);
  assert.equal(wrong.details?.["code"], "AUTH_DEVICE_TOKEN_MISMATCH");

  // The first rewrite replaces the clear token with its hash; the token keeps working.
  const rotate = await client.request<{ token: string }>("device.token.rotate", {
    deviceId: identity.deviceId,
    role: "operator",
  });
  const after = await readJson(path.join(stateDir, "devices/paired.json"));
  const stored = (after[identity.deviceId]!["tokens"] as Record<string, Record<string, unknown>>)[
    "operator"
  ]!;
  assert.equal(stored["token"], undefined);
  assert.match(String(stored["tokenSha256"]), /^[0-9a-f]{64}$/);
  const rotated = await GatewayClient.connect({
    url: gw.wsUrl,
    device: { identity, deviceToken: rotate.token },
  });
  rotated.close();
  await assert.rejects(
    GatewayClient.connect({ url: gw.wsUrl, device: { identity, deviceToken: token } }),
    /device token mismatch/,
  );
});

test("gateway.controlUi.allowInsecureAuth lets the local Control UI in without a device", async (t) => {
  const gw = await spawnGateway({ config: { gateway: { controlUi: { allowInsecureAuth: true } } } });
  t.after(() => disposeGateway(gw));
  const ui = await openPeer(gw.wsUrl, { headers: { origin: `http://127.0.0.1:${gw.port}` } });
  t.after(() => ui.close());
  const auth = helloAuth(
    await connectAs(ui, { clientId: "openclaw-control-ui", mode: "webchat", token: gw.token! }),
  );
  assert.deepEqual(auth.scopes, ["operator.read", "operator.write"]);
});
