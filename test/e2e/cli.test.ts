import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import JSON5 from "json5";
import {
  type CliResult,
  createTestHome,
  disposeGateway,
  fileExists,
  freePort,
  REPO_ROOT,
  runCli,
  type SpawnedGateway,
  spawnGateway,
  type TestHome,
} from "../harness/gateway.ts";

const PACKAGE_VERSION = (
  JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as {
    version: string;
  }
).version;
const NO_ANTHROPIC_KEY = 'No API key found for provider "anthropic"';

/** A config with known keys, an unknown one and a comment, as a user would have written it. */
const USER_CONFIG = `// my gateway
{
  agents: { defaults: { workspace: "~/my-workspace" } },
  futureSection: { keep: "me" },
  gateway: { bind: "loopback", someNewKnob: true },
}
`;

async function home(configText?: string): Promise<TestHome> {
  return createTestHome(configText !== undefined ? { configText } : {});
}

async function readConfig(file: string): Promise<Record<string, unknown>> {
  return JSON5.parse(await readFile(file, "utf8"));
}

/** The test home's env without the explicit paths, so profile flags decide where state goes. */
function envWithoutPaths(h: TestHome): NodeJS.ProcessEnv {
  const env = { ...h.env };
  delete env["OPENCLAW_STATE_DIR"];
  delete env["OPENCLAW_CONFIG_PATH"];
  return env;
}

function assertExit(r: CliResult, code: number): void {
  assert.equal(r.code, code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

function assertFailed(r: CliResult): void {
  assert.notEqual(r.code, 0, `expected a failure\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

describe("version and help", () => {
  let h: TestHome;
  before(async () => {
    h = await home();
  });
  after(() => h.cleanup());

  for (const flag of ["--version", "-V"]) {
    test(`${flag} prints the package version`, async () => {
      const r = await runCli([flag], h.env);
      assertExit(r, 0);
      assert.equal(r.stdout, `${PACKAGE_VERSION}\n`);
    });
  }

  test("--help lists the command groups", async () => {
    const r = await runCli(["--help"], h.env);
    assertExit(r, 0);
    for (const cmd of ["gateway", "health", "status", "agent", "config", "logs"]) {
      assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\b`, "m"), `--help lists ${cmd}`);
    }
  });

  test("the launcher re-execs Node 24 under an older system node", async (t) => {
    const systemNode = "/usr/bin/node";
    if (!existsSync(systemNode)) return t.skip(`${systemNode} is absent: no older Node to launch from`);
    const major = Number(spawnSync(systemNode, ["-p", "process.versions.node.split('.')[0]"]).stdout);
    if (major >= 24) return t.skip(`${systemNode} is already Node ${major}: nothing to re-exec`);
    const r = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn(systemNode, [path.join(REPO_ROOT, "bin/openclaw.mjs"), "--version"], {
        env: h.env,
        cwd: h.root,
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => {
        stdout += d;
      });
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    assertExit(r, 0);
    assert.equal(r.stdout, `${PACKAGE_VERSION}\n`);
  });
});

describe("config get/set/unset", () => {
  test("set writes only that key and keeps the rest, unknown keys included", async (t) => {
    const h = await home(USER_CONFIG);
    t.after(() => h.cleanup());
    const r = await runCli(["config", "set", "gateway.port", "19999"], h.env);
    assertExit(r, 0);
    assert.deepEqual(await readConfig(h.configPath), {
      agents: { defaults: { workspace: "~/my-workspace" } },
      futureSection: { keep: "me" },
      gateway: { bind: "loopback", someNewKnob: true, port: 19999 },
    });
    const got = await runCli(["config", "get", "gateway.port"], h.env);
    assertExit(got, 0);
    assert.equal(got.stdout, "19999\n");
  });

  test("set into an array creates it", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    assertExit(await runCli(["config", "set", "agents.list[0].id", "main"], h.env), 0);
    assert.deepEqual(await readConfig(h.configPath), { agents: { list: [{ id: "main" }] } });
    const got = await runCli(["config", "get", "agents.list[0].id"], h.env);
    assert.equal(got.stdout, "main\n");
  });

  test("get of an unset key exits 1", async (t) => {
    const h = await home(USER_CONFIG);
    t.after(() => h.cleanup());
    const r = await runCli(["config", "get", "gateway.auth.token"], h.env);
    assertExit(r, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /gateway\.auth\.token is not set/);
  });

  test("an invalid value is refused with its path and the file stays byte-identical", async (t) => {
    const h = await home(USER_CONFIG);
    t.after(() => h.cleanup());
    const r = await runCli(["config", "set", "gateway.port", "not a port"], h.env);
    assertFailed(r);
    assert.match(r.stderr, /gateway\.port: .*expected number/);
    assert.equal(await readFile(h.configPath, "utf8"), USER_CONFIG);
    assert.equal(await fileExists(`${h.configPath}.bak`), false, "nothing written, no backup");
  });

  test("an invalid path is refused", async (t) => {
    const h = await home(USER_CONFIG);
    t.after(() => h.cleanup());
    const r = await runCli(["config", "set", "gateway..port", "1"], h.env);
    assertFailed(r);
    assert.match(r.stderr, /invalid config path/);
    assert.equal(await readFile(h.configPath, "utf8"), USER_CONFIG);
  });

  test("get and unset on a file that does not parse show the syntax error, not just 'not set'", async (t) => {
    const broken = `{\n  gateway: { port: 18789 }\n  oops\n}\n`;
    const h = await home(broken);
    t.after(() => h.cleanup());
    const got = await runCli(["config", "get", "gateway.port"], h.env);
    assertExit(got, 1);
    assert.match(got.stderr, /openclaw\.json:3:\d+: JSON5 syntax error/);
    const unset = await runCli(["config", "unset", "gateway.port"], h.env);
    assertExit(unset, 1);
    assert.match(unset.stderr, /openclaw\.json:3:\d+: JSON5 syntax error/);
    const set = await runCli(["config", "set", "gateway.port", "1"], h.env);
    assertFailed(set);
    assert.match(set.stderr, /refusing to write/);
    assert.equal(await readFile(h.configPath, "utf8"), broken);
  });

  test("unset removes only that key", async (t) => {
    const h = await home(USER_CONFIG);
    t.after(() => h.cleanup());
    const r = await runCli(["config", "unset", "gateway.someNewKnob"], h.env);
    assertExit(r, 0);
    assert.deepEqual(await readConfig(h.configPath), {
      agents: { defaults: { workspace: "~/my-workspace" } },
      futureSection: { keep: "me" },
      gateway: { bind: "loopback" },
    });
  });

  test("values parse as JSON5 and fall back to a raw string", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    assertExit(await runCli(["config", "set", "agents.defaults.models", '{"a/b": {alias: "x"}}'], h.env), 0);
    assertExit(await runCli(["config", "set", "agents.defaults.workspace", "~/work space"], h.env), 0);
    assertExit(await runCli(["config", "set", "gateway.controlUi.enabled", "false"], h.env), 0);
    assert.deepEqual(await readConfig(h.configPath), {
      agents: { defaults: { models: { "a/b": { alias: "x" } }, workspace: "~/work space" } },
      gateway: { controlUi: { enabled: false } },
    });
    const got = await runCli(["config", "get", "agents.defaults.models"], h.env);
    assert.deepEqual(JSON.parse(got.stdout), { "a/b": { alias: "x" } });
  });

  test("each write backs up the previous file", async (t) => {
    const h = await home(USER_CONFIG);
    t.after(() => h.cleanup());
    assertExit(await runCli(["config", "set", "gateway.port", "19001"], h.env), 0);
    assert.equal(await readFile(`${h.configPath}.bak`, "utf8"), USER_CONFIG);
    const afterFirst = await readFile(h.configPath, "utf8");
    assertExit(await runCli(["config", "set", "gateway.port", "19002"], h.env), 0);
    assert.equal(await readFile(`${h.configPath}.bak`, "utf8"), afterFirst);
    assert.equal(await readFile(`${h.configPath}.bak.1`, "utf8"), USER_CONFIG);
  });

  test("--profile work writes under ~/.openclaw-work", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const env = envWithoutPaths(h);
    assertExit(await runCli(["--profile", "work", "config", "set", "gateway.port", "19999"], env), 0);
    assert.deepEqual(await readConfig(path.join(h.home, ".openclaw-work/openclaw.json")), {
      gateway: { port: 19999 },
    });
    assert.equal(await fileExists(h.configPath), false, "the default profile is untouched");
    const got = await runCli(["--profile", "work", "config", "get", "gateway.port"], env);
    assert.equal(got.stdout, "19999\n");
  });

  test("--dev writes under ~/.openclaw-dev", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const env = envWithoutPaths(h);
    assertExit(await runCli(["--dev", "config", "set", "logging.level", "debug"], env), 0);
    assert.deepEqual(await readConfig(path.join(h.home, ".openclaw-dev/openclaw.json")), {
      logging: { level: "debug" },
    });
  });

  test("an invalid profile name is refused", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const r = await runCli(["--profile", "a/b", "config", "get", "gateway.port"], envWithoutPaths(h));
    assertFailed(r);
    assert.match(r.stderr, /Invalid --profile \(use letters, numbers, "_", "-" only\)/);
  });

  test("a profile flag after the command is refused instead of being ignored", async (t) => {
    const h = await home(USER_CONFIG);
    t.after(() => h.cleanup());
    const env = envWithoutPaths(h);
    const r = await runCli(["config", "set", "gateway.port", "19999", "--profile", "work"], env);
    assertFailed(r);
    assert.match(r.stderr, /--profile work must come before the command/);
    assert.equal(await readFile(h.configPath, "utf8"), USER_CONFIG, "the default profile is untouched");
    assert.equal(await fileExists(path.join(h.home, ".openclaw-work")), false);
    const dev = await runCli(["config", "get", "gateway.bind", "--dev"], env);
    assertFailed(dev);
    assert.match(dev.stderr, /--dev must come before the command/);
  });

  test("--dev with --profile is refused", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const r = await runCli(["--dev", "--profile", "x", "status"], envWithoutPaths(h));
    assertFailed(r);
    assert.match(r.stderr, /Cannot combine --dev with --profile/);
  });
});

describe("with a gateway running", () => {
  let gw: SpawnedGateway;
  before(async () => {
    gw = await spawnGateway();
  });
  after(() => disposeGateway(gw));

  test("health --json is one JSON document with ok: true", async () => {
    const r = await gw.cli(["health", "--json"]);
    assertExit(r, 0);
    assert.equal(JSON.parse(r.stdout).ok, true);
  });

  test("status --json says the gateway is reachable", async () => {
    const r = await gw.cli(["status", "--json"]);
    assertExit(r, 0);
    const report = JSON.parse(r.stdout);
    assert.equal(report.gateway.reachable, true);
    assert.equal(report.gateway.url, gw.wsUrl);
  });

  test("gateway status shows the RPC probe and its target", async () => {
    const r = await gw.cli(["gateway", "status"]);
    assertExit(r, 0);
    assert.match(r.stdout, /RPC probe: ok/);
    assert.match(r.stdout, new RegExp(`Probe target: ${gw.wsUrl}`));
  });

  test("gateway call health prints the payload as JSON", async () => {
    const r = await gw.cli(["gateway", "call", "health"]);
    assertExit(r, 0);
    assert.equal(JSON.parse(r.stdout).ok, true);
  });

  test("gateway call of an unknown method fails with unknown method", async () => {
    const r = await gw.cli(["gateway", "call", "nope"]);
    assertFailed(r);
    assert.match(r.stderr, /unknown method/);
  });

  test("gateway call with unparsable --params fails naming --params", async () => {
    const r = await gw.cli(["gateway", "call", "chat.send", "--params", "{bad"]);
    assertFailed(r);
    assert.match(r.stderr, /--params/);
  });

  test("logs --json prints JSON lines, including the listening line", async () => {
    const r = await gw.cli(["logs", "--json"]);
    assertExit(r, 0);
    const lines = r.stdout.trim().split("\n");
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      records.some((rec) => /listening on/.test(JSON.stringify(rec))),
      `a "listening on" line in:\n${r.stdout}`,
    );
  });

  test("agent -m without model credentials fails with the missing-key message", async () => {
    const r = await gw.cli(["agent", "-m", "hi"], { timeoutMs: 60_000 });
    assertFailed(r);
    assert.match(r.stderr, new RegExp(NO_ANTHROPIC_KEY));
  });
});

describe("without a gateway", () => {
  test("status says unreachable and names the URL it tried", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const port = await freePort();
    const r = await runCli(["status"], { ...h.env, OPENCLAW_GATEWAY_PORT: String(port) });
    assert.notEqual(r.code, null, "it exits");
    assert.match(r.stdout, new RegExp(`unreachable at ws://127\\.0\\.0\\.1:${port}`));
  });

  test("status --json reports reachable: false with the URL", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const port = await freePort();
    const r = await runCli(["status", "--json"], { ...h.env, OPENCLAW_GATEWAY_PORT: String(port) });
    const report = JSON.parse(r.stdout);
    assert.equal(report.gateway.reachable, false);
    assert.equal(report.gateway.url, `ws://127.0.0.1:${port}`);
  });

  test("health fails and says the gateway is unreachable", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const port = await freePort();
    const r = await runCli(["health"], { ...h.env, OPENCLAW_GATEWAY_PORT: String(port) });
    assertFailed(r);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  test("status refuses a --timeout that is not a duration instead of reporting it as unreachable", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const r = await runCli(["status", "--timeout", "soon"], h.env);
    assertFailed(r);
    assert.match(r.stderr, /--timeout must be a positive number/);
  });

  test("logs refuses a --limit that is not a line count before connecting", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const r = await runCli(["logs", "--limit", "abc"], h.env);
    assertFailed(r);
    assert.match(r.stderr, /--limit must be a whole number/);
  });

  test("agent --local -m without model credentials fails with the missing-key message", async (t) => {
    const h = await home();
    t.after(() => h.cleanup());
    const r = await runCli(["agent", "--local", "-m", "hi"], h.env, { timeoutMs: 60_000 });
    assertFailed(r);
    assert.match(r.stderr, new RegExp(NO_ANTHROPIC_KEY));
  });
});
