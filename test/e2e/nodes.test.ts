// Nodes through the real gateway (NODE-1…NODE-4; reference-gateway §2 "Nodes"): a node pairs like
// a device with role `node`, shows in `openclaw nodes`, and is called only through node.invoke.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { type DeviceIdentity, loadOrCreateDeviceIdentity } from "../../src/client/device-identity.ts";
import { GatewayClient, GatewayRequestError } from "../../src/client/gateway-client.ts";
import type { EventFrame } from "../../src/protocol/frames.ts";
import { type CliResult, disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

const TOKEN = "node-test-token";
/** A node on another machine, as the trusted proxy in front of the gateway reports it. */
const REMOTE = { "x-forwarded-for": "203.0.113.9" };

function json<T>(r: CliResult): T {
  assert.equal(r.code, 0, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface NodeRow {
  nodeId: string;
  displayName: string | null;
  paired: boolean;
  connected: boolean;
  caps: string[];
  commands: string[];
}

describe("nodes", () => {
  let gw: SpawnedGateway;
  let keysDir: string;
  let identity: DeviceIdentity;
  let other: DeviceIdentity;

  const connectNode = (who: DeviceIdentity, commands = ["system.run", "camera.snap", "secret.dump"]) =>
    GatewayClient.connect({
      url: gw.wsUrl,
      token: TOKEN,
      clientId: "node-host",
      mode: "node",
      role: "node",
      displayName: "build box",
      caps: ["system", "camera"],
      commands,
      headers: REMOTE,
      device: { identity: who },
    });

  /** Answers every invoke request with what `answer` returns, as a node host would. */
  const serve = (node: GatewayClient, answer: (req: Record<string, unknown>) => unknown) =>
    node.onEvent((ev: EventFrame) => {
      if (ev.event !== "node.invoke.request") return;
      const req = ev.payload as Record<string, unknown>;
      void node.request("node.invoke.result", {
        id: req["id"],
        nodeId: req["nodeId"],
        ...(answer(req) as object),
      });
    });

  const pairNode = async (who: DeviceIdentity): Promise<void> => {
    await assert.rejects(connectNode(who), (err: unknown) => err instanceof GatewayRequestError);
    const pending = json<{ pending: { requestId: string; nodeId: string }[] }>(
      await gw.cli(["nodes", "pending", "--json"]),
    );
    const req = pending.pending.find((r) => r.nodeId === who.deviceId);
    assert.ok(req, "the node's connect left a pending request");
    json(await gw.cli(["nodes", "approve", req.requestId, "--json"]));
  };

  before(async () => {
    gw = await spawnGateway({
      config: {
        gateway: {
          auth: { token: TOKEN },
          trustedProxies: ["127.0.0.1"],
          nodes: { denyCommands: ["secret.*"] },
        },
      },
    });
    keysDir = await mkdtemp(path.join(os.tmpdir(), "openclaw-node-keys-"));
    identity = await loadOrCreateDeviceIdentity(path.join(keysDir, "a"));
    other = await loadOrCreateDeviceIdentity(path.join(keysDir, "b"));
  });
  after(async () => {
    await disposeGateway(gw);
    await rm(keysDir, { recursive: true, force: true });
  });

  test("a new remote node waits in `nodes pending`; once approved it connects and shows in `nodes status`", async (t) => {
    await pairNode(identity);
    const node = await connectNode(identity);
    t.after(() => node.close());
    assert.equal(node.hello.auth.role, "node");
    assert.deepEqual(node.hello.auth.scopes, []);
    const status = json<{ nodes: NodeRow[] }>(await gw.cli(["nodes", "status", "--json"]));
    const row = status.nodes.find((n) => n.nodeId === identity.deviceId);
    assert.ok(row);
    assert.deepEqual(
      { paired: row.paired, connected: row.connected, caps: row.caps, commands: row.commands },
      { paired: true, connected: true, caps: ["system", "camera"], commands: ["system.run", "camera.snap"] },
      "gateway.nodes.denyCommands removed secret.dump",
    );
    const text = await gw.cli(["nodes", "status"]);
    assert.match(
      text.stdout,
      new RegExp(`${identity.deviceId}\\s+build box, linux\\s+connected from 203\\.0\\.113\\.9`),
    );
  });

  test("nodes invoke reaches the node and prints its answer; a denied or undeclared command never does", async (t) => {
    const node = await connectNode(identity);
    t.after(() => node.close());
    const seen: string[] = [];
    serve(node, (req) => {
      seen.push(String(req["command"]));
      return { ok: true, payload: { echoed: JSON.parse(String(req["paramsJSON"])) } };
    });
    const out = json<{ ok: boolean; payload: unknown }>(
      await gw.cli([
        "nodes",
        "invoke",
        "--node",
        identity.deviceId,
        "--command",
        "system.run",
        "--params",
        '{"argv":["uname"]}',
        "--json",
      ]),
    );
    assert.deepEqual(out, {
      nodeId: identity.deviceId,
      command: "system.run",
      ok: true,
      payload: { echoed: { argv: ["uname"] } },
    });
    const denied = await gw.cli(["nodes", "invoke", "--node", identity.deviceId, "--command", "secret.dump"]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /does not support command: secret\.dump/);
    assert.deepEqual(seen, ["system.run"]);
  });

  test("only the node that was asked can answer, and roles keep to their own methods", async (t) => {
    await pairNode(other);
    const [a, b] = [await connectNode(identity), await connectNode(other)];
    t.after(() => {
      a.close();
      b.close();
    });
    const operator = await gw.connect();
    t.after(() => operator.close());
    const request = new Promise<Record<string, unknown>>((resolve) =>
      a.onEvent((ev) => {
        if (ev.event === "node.invoke.request") resolve(ev.payload as Record<string, unknown>);
      }),
    );
    const result = operator.request("node.invoke", {
      nodeId: identity.deviceId,
      command: "camera.snap",
      idempotencyKey: "snap-1",
    });
    const req = await request;
    await assert.rejects(
      b.request("node.invoke.result", {
        id: req["id"],
        nodeId: identity.deviceId,
        ok: true,
        payload: "forged",
      }),
      /unknown invoke id/,
    );
    await assert.rejects(
      operator.request("node.invoke.result", { id: req["id"], nodeId: identity.deviceId, ok: true }),
      /unauthorized role: operator/,
    );
    await assert.rejects(b.request("config.get", {}), /unauthorized role: node/);
    await a.request("node.invoke.result", {
      id: req["id"],
      nodeId: identity.deviceId,
      ok: true,
      payload: "real",
    });
    assert.equal(((await result) as { payload: unknown }).payload, "real");
  });

  test("a node that goes away is shown offline, and calling it fails at once", async () => {
    const node = await connectNode(identity);
    node.close();
    const deadline = Date.now() + 5000;
    let row: NodeRow | undefined;
    do {
      row = json<{ nodes: NodeRow[] }>(await gw.cli(["nodes", "list", "--json"])).nodes.find(
        (n) => n.nodeId === identity.deviceId,
      );
    } while (row?.connected && Date.now() < deadline);
    assert.equal(row?.connected, false);
    const connectedOnly = json<{ nodes: NodeRow[] }>(
      await gw.cli(["nodes", "list", "--connected", "--json"]),
    );
    assert.ok(!connectedOnly.nodes.some((n) => n.nodeId === identity.deviceId));
    const r = await gw.cli(["nodes", "invoke", "--node", identity.deviceId, "--command", "system.run"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /node not connected/);
  });
});
