import assert from "node:assert/strict";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  createTestHome,
  disposeGateway,
  fileExists,
  freePort,
  runCli,
  type SpawnedGateway,
  spawnGateway,
  type TestHome,
} from "../harness/gateway.ts";
import { openPeer } from "../harness/ws-peer.ts";

const REQUIRED_METHODS = [
  "health",
  "status",
  "chat.send",
  "chat.history",
  "chat.abort",
  "agent",
  "agent.wait",
  "config.get",
  "config.set",
  "config.patch",
  "config.schema",
  "sessions.list",
  "sessions.reset",
  "models.list",
  "logs.tail",
];

/** `${NAME}` as it appears in a config string. */
function varRef(name: string): string {
  return "${" + name + "}";
}

/** Runs `openclaw gateway run`, expects a refusal, and checks the config file is byte-identical. */
async function assertRefusedUntouched(home: TestHome): Promise<string> {
  const before = await readFile(home.configPath);
  const port = await freePort();
  const res = await runCli(["gateway", "run", "--port", String(port)], home.env);
  assert.notEqual(res.code, 0, `expected a non-zero exit; stdout: ${res.stdout}`);
  assert.doesNotMatch(res.stdout, /Control UI:/, "nothing may listen");
  assert.deepEqual(await readFile(home.configPath), before, "the config file is untouched");
  return res.stderr;
}

// One gateway on an empty state dir serves every test of this group, in order: the last two stop it
// with SIGTERM and start it again on the same home.
describe("a gateway started without any config file", () => {
  let gw: SpawnedGateway;
  let restarted: SpawnedGateway | undefined;
  before(async () => {
    gw = await spawnGateway();
  });
  after(async () => {
    await gw.stop();
    await restarted?.stop();
    await gw.home.cleanup();
  });

  test("generates a token into the state dir, prints the link and serves hello-ok", async (t) => {
    const line = await gw.waitForOutput(/Control UI: \S+/);
    const token = /^Control UI: http:\/\/127\.0\.0\.1:(\d+)\/#token=([\w-]+)$/.exec(line);
    assert.ok(token, `unexpected link line: ${line}`);
    assert.equal(Number(token[1]), gw.port);

    const tokenFile = path.join(gw.home.stateDir, "credentials", "gateway-token");
    assert.equal((await readFile(tokenFile, "utf8")).trim(), token[2]);
    assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
    assert.equal(await fileExists(gw.home.configPath), false, "openclaw.json is not created");

    const peer = await openPeer(gw.wsUrl, { token: token[2]! });
    t.after(() => peer.close());
    const res = await peer.connect();
    assert.equal(res["ok"], true, JSON.stringify(res["error"]));
    const hello = res["payload"] as {
      type: string;
      protocol: number;
      server: { version: string; connId: string };
      features: { methods: string[]; events: string[] };
      snapshot: { sessionDefaults: { mainSessionKey: string } };
      policy: unknown;
    };
    assert.equal(hello.type, "hello-ok");
    assert.equal(hello.protocol, 4);
    assert.match(hello.server.version, /^\d+\.\d+\.\d+/);
    for (const m of REQUIRED_METHODS) assert.ok(hello.features.methods.includes(m), `method ${m}`);
    assert.ok(hello.features.events.includes("tick") && hello.features.events.includes("shutdown"));
    assert.equal(hello.snapshot.sessionDefaults.mainSessionKey, "agent:main:main");
    assert.deepEqual(hello.policy, {
      maxPayload: 26214400,
      maxBufferedBytes: 52428800,
      tickIntervalMs: 30000,
    });
  });

  test("GET / serves the Control UI page", async () => {
    const res = await fetch(gw.httpUrl);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await res.text(), /<html/i);
  });

  test("a second instance on the same port exits with GatewayLockError", async (t) => {
    const other = await createTestHome();
    t.after(() => other.cleanup());
    const res = await runCli(["gateway", "run", "--port", String(gw.port)], other.env);
    assert.notEqual(res.code, 0);
    assert.ok(
      res.stderr.includes(`another gateway instance is already listening on ws://127.0.0.1:${gw.port}`),
      res.stderr,
    );
    const client = await gw.connect();
    t.after(() => client.close());
    await client.request("health");
  });

  test("SIGTERM sends shutdown to connected clients, closes them and exits 0", async () => {
    const peer = await openPeer(gw.wsUrl, { token: gw.token! });
    const res = await peer.connect();
    assert.equal(res["ok"], true);

    gw.proc.kill("SIGTERM");
    const shutdown = await peer.waitFor((f) => f.type === "event" && f.event === "shutdown");
    assert.match(String((shutdown["payload"] as { reason: string }).reason), /SIGTERM/);
    const close = await peer.waitClose();
    assert.equal(close.code, 1012);
    assert.equal(await gw.exited, 0);
  });

  test("a restart reuses the generated token and still creates no openclaw.json", async (t) => {
    restarted = await spawnGateway({ home: gw.home });
    assert.ok(gw.token);
    assert.equal(restarted.token, gw.token);
    const client = await restarted.connect({ token: gw.token });
    t.after(() => client.close());
    await client.request("health");
    assert.equal(await fileExists(gw.home.configPath), false);
  });
});

test('gateway.auth.mode "none" on loopback accepts a connect without auth', async (t) => {
  const gw = await spawnGateway({ config: { gateway: { auth: { mode: "none" } } } });
  t.after(() => disposeGateway(gw));
  assert.match(gw.output(), /Control UI: http:\/\/127\.0\.0\.1:\d+\/\n/, "no token in the link");
  const peer = await openPeer(gw.wsUrl);
  t.after(() => peer.close());
  const res = await peer.connect();
  assert.equal(res["ok"], true, JSON.stringify(res["error"]));
  const health = await peer.request("health", {});
  assert.equal(health["ok"], true);
});

describe("config the gateway refuses", () => {
  test("invalid JSON5 names the file, line and column", async (t) => {
    const home = await createTestHome({ configText: "{\n  gateway: {\n    port: 1,,\n  },\n}\n" });
    t.after(() => home.cleanup());
    const stderr = await assertRefusedUntouched(home);
    assert.ok(stderr.includes(`${home.configPath}:3:13`), stderr);
  });

  test("a wrong type names the key and what was expected", async (t) => {
    const home = await createTestHome({ configText: '{ gateway: { port: "abc" } }\n' });
    t.after(() => home.cleanup());
    const stderr = await assertRefusedUntouched(home);
    assert.match(stderr, /gateway\.port: .*string.*\(expected number\)/, stderr);
  });

  test("a value outside an enum lists the allowed values", async (t) => {
    const home = await createTestHome({ configText: '{ gateway: { bind: "moon" } }\n' });
    t.after(() => home.cleanup());
    const stderr = await assertRefusedUntouched(home);
    assert.match(stderr, /gateway\.bind: .*\(expected .*"loopback".*\)/, stderr);
  });

  test("a missing env variable reference names the variable and the key path", async (t) => {
    const home = await createTestHome({
      config: { gateway: { auth: { token: varRef("OPENCLAW_TEST_UNSET_TOKEN") } } },
    });
    t.after(() => home.cleanup());
    const stderr = await assertRefusedUntouched(home);
    assert.match(stderr, /gateway\.auth\.token: .*OPENCLAW_TEST_UNSET_TOKEN/, stderr);
  });

  test("an $include cycle is rejected", async (t) => {
    const home = await createTestHome({ configText: '{ $include: "./a.json5" }\n' });
    t.after(() => home.cleanup());
    await writeFile(path.join(home.stateDir, "a.json5"), '{ $include: "./openclaw.json" }\n');
    const stderr = await assertRefusedUntouched(home);
    assert.match(stderr, /\$include cycle: .*a\.json5 -> .*openclaw\.json/, stderr);
  });

  test("a syntax error in an included file names that file, line and column", async (t) => {
    const home = await createTestHome({ configText: '{ $include: "./parts/broken.json5" }\n' });
    t.after(() => home.cleanup());
    await mkdir(path.join(home.stateDir, "parts"));
    const broken = path.join(home.stateDir, "parts", "broken.json5");
    await writeFile(broken, "{\n  gateway: { port: }\n}\n");
    const stderr = await assertRefusedUntouched(home);
    assert.ok(stderr.includes(`${broken}:2:20`), stderr);
  });

  test('gateway.mode "remote" blocks the start', async (t) => {
    const home = await createTestHome({ config: { gateway: { mode: "remote" } } });
    t.after(() => home.cleanup());
    const stderr = await assertRefusedUntouched(home);
    assert.match(stderr, /Gateway start blocked: set gateway\.mode=local/);
  });

  test('explicit auth mode "token" without a token is refused', async (t) => {
    const home = await createTestHome({ config: { gateway: { auth: { mode: "token" } } } });
    t.after(() => home.cleanup());
    const stderr = await assertRefusedUntouched(home);
    assert.match(stderr, /gateway auth mode is token, but no token was configured/);
    assert.equal(await fileExists(path.join(home.stateDir, "credentials", "gateway-token")), false);
  });

  test('auth mode "none" is refused on a lan bind', async (t) => {
    const home = await createTestHome({ config: { gateway: { bind: "lan", auth: { mode: "none" } } } });
    t.after(() => home.cleanup());
    const stderr = await assertRefusedUntouched(home);
    assert.match(stderr, /refusing to bind gateway to 0\.0\.0\.0:\d+ without auth/);
  });

  test("--bind lan without auth is refused with both wordings", async (t) => {
    const home = await createTestHome();
    t.after(() => home.cleanup());
    const port = await freePort();
    const res = await runCli(["gateway", "run", "--port", String(port), "--bind", "lan"], home.env);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Refusing to bind gateway to lan without auth/);
    assert.ok(res.stderr.includes(`refusing to bind gateway to 0.0.0.0:${port} without auth`), res.stderr);
    assert.equal(await fileExists(home.configPath), false);
    assert.equal(
      await fileExists(path.join(home.stateDir, "credentials", "gateway-token")),
      false,
      "a refused start generates no token",
    );
  });
});

describe("config the gateway accepts", () => {
  test("unknown keys are warnings naming the closest key, and the file stays byte-identical", async (t) => {
    const text = "// my config\n{\n  gateway: { prot: 1 },\n  agents: { defualts: {} },\n}\n";
    const gw = await spawnGateway({ configText: text });
    t.after(() => disposeGateway(gw));
    await gw.waitForOutput(/gateway\.prot\b.*"port"/);
    await gw.waitForOutput(/agents\.defualts\b.*"defaults"/);
    const client = await gw.connect();
    t.after(() => client.close());
    await client.request("health");
    assert.equal(await readFile(gw.home.configPath, "utf8"), text);
  });

  test("$include resolves relative to the including file", async (t) => {
    const home = await createTestHome({ configText: '{ gateway: { $include: "./parts/gateway.json5" } }\n' });
    await mkdir(path.join(home.stateDir, "parts"));
    await writeFile(
      path.join(home.stateDir, "parts", "gateway.json5"),
      '{ auth: { $include: "./auth.json5" } }',
    );
    await writeFile(
      path.join(home.stateDir, "parts", "auth.json5"),
      '{ mode: "token", token: "from-include" }',
    );
    const gw = await spawnGateway({ home });
    t.after(() => disposeGateway(gw));
    const client = await gw.connect({ token: "from-include" });
    t.after(() => client.close());
    assert.equal(client.hello.snapshot["authMode"], "token");
    await assert.rejects(gw.connect({ token: "something-else" }), /gateway token mismatch/);
  });

  test(".env in the state dir supplies a variable but never overrides the real environment", async (t) => {
    const config = { gateway: { auth: { token: varRef("OPENCLAW_TEST_DOTENV_TOKEN") } } };
    const fromFile = await createTestHome({ config });
    await writeFile(path.join(fromFile.stateDir, ".env"), "OPENCLAW_TEST_DOTENV_TOKEN=from-dotenv\n");
    const gw1 = await spawnGateway({ home: fromFile });
    t.after(() => disposeGateway(gw1));
    const c1 = await gw1.connect({ token: "from-dotenv" });
    c1.close();

    const fromEnv = await createTestHome({
      config,
      env: { OPENCLAW_TEST_DOTENV_TOKEN: "from-env" },
    });
    await writeFile(path.join(fromEnv.stateDir, ".env"), "OPENCLAW_TEST_DOTENV_TOKEN=from-dotenv\n");
    const gw2 = await spawnGateway({ home: fromEnv });
    t.after(() => disposeGateway(gw2));
    const c2 = await gw2.connect({ token: "from-env" });
    c2.close();
    await assert.rejects(gw2.connect({ token: "from-dotenv" }), /gateway token mismatch/);
  });

  test("--bind lan needs the Control UI's origins named before it starts", async (t) => {
    const home = await createTestHome();
    t.after(() => home.cleanup());
    const port = await freePort();
    const res = await runCli(
      ["gateway", "run", "--port", String(port), "--bind", "lan", "--token", "lan-secret"],
      home.env,
    );
    assert.notEqual(res.code, 0);
    assert.match(
      res.stderr,
      /the Control UI would be served on 0\.0\.0\.0: set gateway\.controlUi\.allowedOrigins/,
    );
  });

  test("--bind lan with --token and allowedOrigins starts", async (t) => {
    const gw = await spawnGateway({
      config: { gateway: { controlUi: { allowedOrigins: ["http://192.0.2.10:18789"] } } },
      args: ["--bind", "lan", "--token", "lan-secret"],
    });
    t.after(() => disposeGateway(gw));
    await gw.waitForOutput(/listening on ws:\/\/0\.0\.0\.0:\d+/);
    const client = await gw.connect({ token: "lan-secret" });
    t.after(() => client.close());
    await client.request("health");
  });
});

test("--force stops the first instance and the second serves", async (t) => {
  const first = await spawnGateway();
  t.after(() => disposeGateway(first));
  const second = await spawnGateway({ port: first.port, args: ["--force"] });
  t.after(() => disposeGateway(second));
  assert.equal(await first.exited, 0);
  assert.match(second.output(), new RegExp(`--force: stopping pid ${first.proc.pid}\\b`));
  assert.notEqual(second.token, first.token, "each home generated its own token");
  const client = await second.connect();
  t.after(() => client.close());
  await client.request("health");
});

test("a SIGTERM sent as soon as the link is printed still stops the gateway cleanly", async (t) => {
  const gw = await spawnGateway();
  t.after(() => gw.home.cleanup());
  assert.equal(await gw.stop(), 0, `a signal death shows as null; output:\n${gw.output()}`);
  assert.match(gw.output(), /gateway stopped/);
});

test("a config change that needs a restart closes clients with 1012 and the gateway comes back", async (t) => {
  const gw = await spawnGateway({ config: {} });
  t.after(() => disposeGateway(gw));
  const peer = await openPeer(gw.wsUrl, { token: gw.token! });
  assert.equal((await peer.connect())["ok"], true);

  // An unknown top-level key needs a restart, and its path goes into the close reason: non-ASCII
  // makes the reason longer in bytes than in characters.
  await writeFile(gw.home.configPath, JSON.stringify({ ["ж".repeat(60)]: 1 }));
  const shutdown = await peer.waitFor((f) => f.type === "event" && f.event === "shutdown");
  assert.equal(typeof (shutdown["payload"] as { restartExpectedMs: unknown }).restartExpectedMs, "number");
  const close = await peer.waitClose();
  assert.equal(close.code, 1012);
  assert.ok(Buffer.byteLength(close.reason) <= 123);
  assert.match(close.reason, /^restarting: ж+$/);

  await gw.waitForOutput(/listening on ws:\/\/\S+[\s\S]*listening on ws:\/\/\S+/);
  const client = await gw.connect();
  t.after(() => client.close());
  await client.request("health");
});
