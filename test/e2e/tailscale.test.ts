// Tailscale Serve/Funnel (GW-23, GW-24; reference-gateway §1): the gateway publishes itself with
// the local `tailscale` CLI, and accepts Serve's user identity only once `tailscale whois` confirms
// it. A stand-in `tailscale` program records its calls and answers whois for one tailnet address.
import assert from "node:assert/strict";
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { GatewayClient, GatewayRequestError } from "../../src/client/gateway-client.ts";
import {
  createTestHome,
  disposeGateway,
  freePort,
  runCli,
  type SpawnedGateway,
  spawnGateway,
  type TestHome,
} from "../harness/gateway.ts";

const ALICE_IP = "100.101.102.103";

async function fakeTailscale(home: TestHome): Promise<{ bin: string; calls(): Promise<string[]> }> {
  const bin = path.join(home.root, "tailscale");
  const log = path.join(home.root, "tailscale-calls.log");
  await writeFile(
    bin,
    `#!/bin/sh
echo "$*" >> "${log}"
if [ "$1" = "whois" ]; then
  if [ "$3" = "${ALICE_IP}" ]; then
    echo '{"Node":{"Name":"laptop"},"UserProfile":{"LoginName":"alice@example.com","DisplayName":"Alice"}}'
    exit 0
  fi
  echo "no peer found with IP $3" >&2
  exit 1
fi
exit 0
`,
  );
  await chmod(bin, 0o755);
  return {
    bin,
    calls: async () => (await readFile(log, "utf8").catch(() => "")).trim().split("\n").filter(Boolean),
  };
}

/** A connect as Tailscale Serve forwards it: from loopback, with Serve's identity headers. */
function viaServe(
  gw: SpawnedGateway,
  headers: Record<string, string>,
  token?: string,
): Promise<GatewayClient> {
  return GatewayClient.connect({
    url: gw.wsUrl,
    ...(token ? { token } : {}),
    clientId: "gateway-client",
    mode: "backend",
    headers,
  });
}

describe("tailscale serve", () => {
  let home: TestHome;
  let gw: SpawnedGateway;
  let tailscale: Awaited<ReturnType<typeof fakeTailscale>>;

  before(async () => {
    home = await createTestHome({ config: { gateway: { auth: { token: "ts-token" } } } });
    tailscale = await fakeTailscale(home);
    gw = await spawnGateway({
      home,
      env: { OPENCLAW_TAILSCALE_BIN: tailscale.bin },
      args: ["--tailscale", "serve", "--tailscale-reset-on-exit"],
    });
  });
  after(() => disposeGateway(gw));

  test("the gateway publishes itself with tailscale serve", async () => {
    const deadline = Date.now() + 5000;
    while (!(await tailscale.calls()).includes(`serve --bg ${gw.port}`) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      (await tailscale.calls()).includes(`serve --bg ${gw.port}`),
      (await tailscale.calls()).join("; "),
    );
  });

  test("a Serve user confirmed by tailscale whois needs no token; an unconfirmed claim does", async () => {
    const alice = await viaServe(gw, {
      "tailscale-user-login": "alice@example.com",
      "x-forwarded-for": ALICE_IP,
    });
    assert.equal(alice.hello.type, "hello-ok");
    alice.close();
    assert.ok((await tailscale.calls()).includes(`whois --json ${ALICE_IP}`));

    // The header names someone whois does not vouch for at that address: no way in without the token.
    await assert.rejects(
      viaServe(gw, { "tailscale-user-login": "mallory@example.com", "x-forwarded-for": ALICE_IP }),
      (err: unknown) => err instanceof GatewayRequestError && /gateway token missing/.test(err.message),
    );
    await assert.rejects(
      viaServe(gw, { "tailscale-user-login": "alice@example.com", "x-forwarded-for": "100.64.0.9" }),
      /gateway token missing/,
    );
  });

  test("the Control UI page Serve serves is an allowed origin; a look-alike without Serve is not", async () => {
    const origin = "https://gateway.tail1234.ts.net";
    const ok = await viaServe(gw, {
      "tailscale-user-login": "alice@example.com",
      "x-forwarded-for": ALICE_IP,
      origin,
      host: "gateway.tail1234.ts.net",
    });
    ok.close();
    await assert.rejects(
      viaServe(gw, { origin, host: "gateway.tail1234.ts.net" }, "ts-token"),
      /origin not allowed/,
    );
  });

  test("stopping the gateway undoes serve (resetOnExit)", async () => {
    assert.equal(await gw.stop(), 0);
    assert.ok((await tailscale.calls()).includes("serve reset"), (await tailscale.calls()).join("; "));
  });
});

describe("tailscale guards", () => {
  test("with allowTailscale off, Serve headers count for nothing", async (t) => {
    const home = await createTestHome({
      config: {
        gateway: { auth: { token: "ts-token", allowTailscale: false }, tailscale: { mode: "serve" } },
      },
    });
    const tailscale = await fakeTailscale(home);
    const gw = await spawnGateway({ home, env: { OPENCLAW_TAILSCALE_BIN: tailscale.bin } });
    t.after(() => disposeGateway(gw));
    await assert.rejects(
      viaServe(gw, { "tailscale-user-login": "alice@example.com", "x-forwarded-for": ALICE_IP }),
      /gateway token missing/,
    );
  });

  test("funnel needs password auth, and serve/funnel need a loopback bind", async (t) => {
    const home = await createTestHome({ config: { gateway: { auth: { token: "ts-token" } } } });
    t.after(() => home.cleanup());
    const port = String(await freePort());
    const funnel = await runCli(["gateway", "run", "--port", port, "--tailscale", "funnel"], home.env);
    assert.notEqual(funnel.code, 0);
    assert.match(
      funnel.stderr,
      /funnel puts the gateway on the public internet: set gateway\.auth\.mode=password/,
    );
    const lan = await runCli(
      ["gateway", "run", "--port", port, "--tailscale", "serve", "--bind", "lan"],
      home.env,
    );
    assert.notEqual(lan.code, 0);
    assert.match(lan.stderr, /gateway\.tailscale\.mode=serve requires gateway\.bind=loopback/);
  });
});
