import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { type TestContext, test } from "node:test";
import { GatewayClient, GatewayRequestError } from "../../src/client/gateway-client.ts";
import { isErrno } from "../../src/infra/errors.ts";
import { readTextIfExists } from "../../src/infra/json-file.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { collectEvents } from "../harness/events.ts";
import {
  CLI_ENTRY,
  createTestHome,
  disposeGateway,
  fileExists,
  gatewayWithClient,
  REPO_ROOT,
  runCli,
  type SpawnedGateway,
  spawnGateway,
} from "../harness/gateway.ts";

const API_KEY = "sk-secret-abcdef123456";
const GATEWAY_TOKEN = "gw-token-0123456789abcdef";
const BOT_TOKEN = "123456789:AAHfake-bot-token-value_0123456789";

function providerConfig(baseUrl: string, apiKey = API_KEY) {
  return {
    models: {
      providers: { fake: { baseUrl, api: "openai-completions", apiKey, models: [{ id: "m1" }] } },
    },
    agents: { defaults: { model: { primary: "fake/m1" } } },
  };
}

/** `${NAME}` as it appears in a config string. */
function varRef(name: string): string {
  return "${" + name + "}";
}

/** The log dir the harness gives each gateway: `<TMPDIR>/openclaw`. */
function logDir(gw: SpawnedGateway): string {
  return path.join(gw.home.root, "tmp", "openclaw");
}

/** A directory's entries; none while it does not exist yet. */
async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
}

/** The one daily log file, once the gateway's log stream has created it. */
async function dailyLogFile(gw: SpawnedGateway, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = (await listDir(logDir(gw))).filter((n) => /^openclaw-\d{4}-\d{2}-\d{2}\.log$/.test(n));
    assert.ok(names.length <= 1, `one daily log file, got ${names.join(", ")}`);
    if (names[0]) return path.join(logDir(gw), names[0]);
    if (Date.now() > deadline) throw new Error(`no log file in ${logDir(gw)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls a file until `pred` holds for its text (log writes are buffered, so they land a moment later). */
async function waitForFile(
  file: string,
  pred: (text: string) => boolean,
  timeoutMs = 20_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = (await readTextIfExists(file)) ?? "";
    if (pred(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${file}; it holds:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function localDateStamp(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

async function failedTurn(client: GatewayClient, key: string): Promise<Record<string, unknown>> {
  const chat = collectEvents(client, "chat");
  const run = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "hello",
    idempotencyKey: key,
  });
  const ev = await chat.until(
    (p) => p["runId"] === run.runId && (p["state"] === "final" || p["state"] === "error"),
  );
  assert.equal(ev["state"], "error");
  return ev;
}

test("the log file is tslog JSON lines at <TMPDIR>/openclaw/openclaw-YYYY-MM-DD.log", async (t) => {
  const before = new Date();
  const gw = await spawnGateway();
  t.after(() => disposeGateway(gw));
  const file = await dailyLogFile(gw);
  const stamp = path.basename(file).slice("openclaw-".length, -".log".length);
  assert.ok([localDateStamp(before), localDateStamp(new Date())].includes(stamp), stamp);

  const text = await waitForFile(file, (s) => s.includes("listening on ws://"));
  const records = parseLines(text);
  const listening = records.find((r) => String(r["0"]).startsWith("listening on ws://"));
  assert.ok(listening, text);
  assert.equal(listening["0"], `listening on ws://127.0.0.1:${gw.port}`);
  assert.deepEqual(listening["1"], { bind: "loopback", auth: "token" });
  const meta = listening["_meta"] as Record<string, unknown>;
  assert.equal(meta["logLevelName"], "INFO");
  assert.equal((JSON.parse(String(meta["name"])) as { subsystem: string }).subsystem, "gateway");
  assert.ok(!Number.isNaN(Date.parse(String(listening["time"]))));
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.ok(gw.token);
  assert.equal(text.includes(gw.token), false, "the generated token is printed, never logged");
});

test("logging.file moves the log to a fixed path and nothing goes to the daily dir", async (t) => {
  const home = await createTestHome();
  const custom = path.join(home.root, "custom.log");
  await writeFile(home.configPath, JSON.stringify({ logging: { file: custom } }));
  const gw = await spawnGateway({ home });
  t.after(() => disposeGateway(gw));
  const text = await waitForFile(custom, (s) => s.includes("listening on ws://"));
  assert.ok(parseLines(text).length > 0);
  const daily = await listDir(logDir(gw));
  assert.deepEqual(
    daily.filter((n) => n.startsWith("openclaw-")),
    [],
  );
  const status = await gw.cli(["status", "--json"]);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(
    (JSON.parse(status.stdout) as { gateway: { status: { logFile: string } } }).gateway.status.logFile,
    custom,
  );
});

test('logging.file "~/…" is under the home directory (CFG-23)', async (t) => {
  const gw = await spawnGateway({ config: { logging: { file: "~/logs/openclaw.log" } } });
  t.after(() => disposeGateway(gw));
  await waitForFile(path.join(gw.home.home, "logs", "openclaw.log"), (s) => s.includes("listening on"), 3000);
});

test("a logging.file change applies live, like the levels (reference §3: logging is picked up live)", async (t) => {
  const gw = await spawnGateway();
  t.after(() => disposeGateway(gw));
  const custom = path.join(gw.home.root, "moved.log");
  await writeFile(gw.home.configPath, JSON.stringify({ logging: { file: custom } }));
  await gw.waitForOutput(/config changed/);
  await waitForFile(custom, (s) => s.includes("config changed"), 3000);
});

test("a provider key echoed in a 401 never reaches the log file or the console", async (t) => {
  const llm = await startFakeOpenAI();
  const { gw, client } = await gatewayWithClient(
    t,
    {
      config: { ...providerConfig(llm.baseUrl), logging: { level: "trace", consoleLevel: "trace" } },
    },
    llm,
  );
  // The real API masks most of the key; an upstream that echoes it whole is the worst case.
  llm.enqueue({ kind: "error", status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
  await failedTurn(client, "leak-1");
  assert.equal(llm.requests[0]?.apiKey, API_KEY, "the key was really sent");

  const text = await waitForFile(await dailyLogFile(gw), (s) => s.includes("model request failed"));
  const failure = parseLines(text).find((r) => r["0"] === "model request failed");
  assert.ok(failure, text);
  assert.match(JSON.stringify(failure["1"]), /Incorrect API key provided/);
  assert.equal(text.includes(API_KEY), false, `key in log file:\n${text}`);
  await gw.waitForOutput(/model request failed/);
  assert.equal(gw.output().includes(API_KEY), false, `key on console:\n${gw.output()}`);
});

test("the gateway token from config never reaches the log file, even when an error quotes it", async (t) => {
  const llm = await startFakeOpenAI();
  const gw = await spawnGateway({
    config: {
      ...providerConfig(llm.baseUrl, "sk-other-key-000000"),
      gateway: { auth: { token: GATEWAY_TOKEN } },
      logging: { level: "trace" },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await llm.close();
  });
  assert.equal(gw.token, GATEWAY_TOKEN);
  const client = await gw.connect();
  t.after(() => client.close());
  await assert.rejects(gw.connect({ token: "wrong-token-value" }), /gateway token mismatch/);
  // A proxy in front of the provider that echoes request headers is enough to bring it into a log line.
  llm.enqueue({ kind: "error", status: 401, message: `rejected: x-openclaw-token ${GATEWAY_TOKEN}` });
  await failedTurn(client, "leak-2");

  const text = await waitForFile(await dailyLogFile(gw), (s) => s.includes("model request failed"));
  assert.match(text, /connect rejected/);
  assert.match(text, /rejected: x-openclaw-token/);
  assert.equal(text.includes(GATEWAY_TOKEN), false, `token in log file:\n${text}`);
  assert.equal(gw.output().includes(GATEWAY_TOKEN), false, `token on console:\n${gw.output()}`);
});

test("a provider key given as an env reference is masked in the log like a literal one", async (t) => {
  const llm = await startFakeOpenAI();
  const { gw, client } = await gatewayWithClient(
    t,
    {
      config: providerConfig(llm.baseUrl, varRef("FAKE_PROVIDER_KEY")),
      env: { FAKE_PROVIDER_KEY: API_KEY },
    },
    llm,
  );
  llm.enqueue({ kind: "error", status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
  await failedTurn(client, "leak-3");
  assert.equal(llm.requests[0]?.apiKey, API_KEY);
  const text = await waitForFile(await dailyLogFile(gw), (s) => s.includes("model request failed"));
  assert.equal(text.includes(API_KEY), false, `key in log file:\n${text}`);
});

/** Runs `openclaw logs --follow --json` as a real process, so its stdout can be read as it streams. */
function startFollow(t: TestContext, gw: SpawnedGateway) {
  const child = spawn(process.execPath, [CLI_ENTRY, "logs", "--follow", "--json"], {
    env: { ...gw.home.env, OPENCLAW_GATEWAY_PORT: String(gw.port) },
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  return {
    child,
    exited,
    stderr: () => err,
    lines: () => out.split("\n").filter((l) => l !== ""),
    /** Resolves once stdout holds at least `count` lines whose message matches `re`. */
    waitFor: (re: RegExp, count = 1): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${re} (x${count}) in logs output:\n${out}\nstderr: ${err}`)),
          20_000,
        );
        const check = (): void => {
          if ((out.match(new RegExp(re.source, "g")) ?? []).length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}

function messageOf(line: string): string {
  const rec = JSON.parse(line) as Record<string, unknown>;
  assert.ok("_meta" in rec && "0" in rec, `raw tslog line: ${line}`);
  return String(rec["0"]);
}

test("logs --follow --json prints existing lines, then new ones, and exits 0 on SIGINT", async (t) => {
  const gw = await spawnGateway();
  t.after(() => disposeGateway(gw));
  const file = await dailyLogFile(gw);
  await waitForFile(file, (s) => s.includes("listening on ws://"));
  const follow = startFollow(t, gw);

  await follow.waitFor(/listening on ws:/);
  assert.doesNotMatch(follow.lines().join("\n"), /config changed/, "nothing changed yet");
  await writeFile(gw.home.configPath, JSON.stringify({ agents: { defaults: { timeoutSeconds: 321 } } }));
  await gw.waitForOutput(/config changed/);
  await follow.waitFor(/config changed/);

  const messages = follow.lines().map(messageOf);
  assert.ok(
    messages.findIndex((m) => m.startsWith("listening on")) < messages.indexOf("config changed"),
    "old lines first, then the new one",
  );
  const fileLines = (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
  assert.deepEqual(
    follow.lines(),
    fileLines.slice(0, follow.lines().length),
    "the file's lines, as they are",
  );

  follow.child.kill("SIGINT");
  assert.equal(await follow.exited, 0, follow.stderr());
});

test("logs --follow keeps following across a restart that applies a config change", async (t) => {
  const gw = await spawnGateway();
  t.after(() => disposeGateway(gw));
  const file = await dailyLogFile(gw);
  await waitForFile(file, (s) => s.includes("listening on ws://"));
  const follow = startFollow(t, gw);
  await follow.waitFor(/listening on ws:/);

  // gateway.* needs a restart (reference §3): the server closes every connection with 1012.
  await writeFile(gw.home.configPath, JSON.stringify({ gateway: { controlUi: { enabled: true } } }));
  await gw.waitForOutput(/restarting the server/);
  await follow.waitFor(/listening on ws:/, 2);

  const lines = follow.lines();
  const fileLines = (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
  assert.deepEqual(lines, fileLines.slice(0, lines.length), "no line lost or repeated");
  assert.ok(lines.map(messageOf).includes("restarting the server to apply config"));
  assert.equal(follow.child.exitCode, null, `still running; stderr: ${follow.stderr()}`);

  follow.child.kill("SIGINT");
  assert.equal(await follow.exited, 0, follow.stderr());
});

test("status --json lists configured-but-inactive features and never prints the bot token", async (t) => {
  const gw = await spawnGateway({
    // Discord is not active yet (Telegram is, and would dial out with this token).
    config: { channels: { discord: { token: BOT_TOKEN } }, cron: { enabled: true } },
  });
  t.after(() => disposeGateway(gw));
  const r = await gw.cli(["status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    inactiveFeatures: string[];
    gateway: { reachable: boolean; status: { inactiveFeatures: string[] } };
  };
  assert.equal(report.gateway.reachable, true);
  for (const list of [report.inactiveFeatures, report.gateway.status.inactiveFeatures]) {
    assert.ok(list.includes("channels.discord"), JSON.stringify(list));
    assert.ok(list.includes("cron"), JSON.stringify(list));
  }
  for (const args of [["status", "--json"], ["status"], ["status", "--all"]]) {
    const out = await gw.cli(args);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(`${out.stdout}${out.stderr}`.includes(BOT_TOKEN), false, `${args.join(" ")}: ${out.stdout}`);
  }
  const log = await readFile(await dailyLogFile(gw), "utf8");
  assert.equal(log.includes(BOT_TOKEN), false);
});

test("status --all includes a log tail that is safe to paste (SEC-8), from the file when the gateway is down", async (t) => {
  const llm = await startFakeOpenAI();
  const { gw, client } = await gatewayWithClient(
    t,
    {
      config: {
        ...providerConfig(llm.baseUrl, varRef("FAKE_PROVIDER_KEY")),
        channels: { telegram: { botToken: BOT_TOKEN } },
      },
      env: { FAKE_PROVIDER_KEY: API_KEY },
    },
    llm,
  );
  llm.enqueue({ kind: "error", status: 401, message: `Incorrect API key provided: ${API_KEY}.` });
  await failedTurn(client, "paste-1");
  await waitForFile(await dailyLogFile(gw), (s) => s.includes("model request failed"));

  const json = await gw.cli(["status", "--all", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { logTail: { source: string; file: string; lines: string[] } };
  assert.equal(report.logTail.source, "gateway");
  assert.equal(report.logTail.file, await dailyLogFile(gw));
  assert.ok(
    report.logTail.lines.some((l) => messageOf(l) === "model request failed"),
    json.stdout,
  );
  const text = await gw.cli(["status", "--all"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Log tail \(.*through the gateway\):\n.*listening on ws:/);
  assert.match(text.stdout, /model request failed/);
  for (const out of [json.stdout, text.stdout]) {
    assert.equal(out.includes(API_KEY), false, out);
    assert.equal(out.includes(BOT_TOKEN), false, out);
    assert.ok(gw.token && !out.includes(gw.token), "the generated token stays out");
  }

  assert.equal(await gw.stop(), 0);
  const down = await runCli(["status", "--all", "--json"], {
    ...gw.home.env,
    OPENCLAW_GATEWAY_PORT: String(gw.port),
  });
  assert.equal(down.code, 0, down.stderr);
  const downReport = JSON.parse(down.stdout) as {
    gateway: { reachable: boolean };
    logTail: { source: string; file: string; lines: string[] };
  };
  assert.equal(downReport.gateway.reachable, false);
  assert.equal(downReport.logTail.source, "local");
  assert.equal(downReport.logTail.file, await dailyLogFile(gw));
  assert.ok(
    downReport.logTail.lines.some((l) => messageOf(l) === "gateway stopped"),
    down.stdout,
  );
  assert.equal(down.stdout.includes(API_KEY), false, down.stdout);
});

test("password auth (GW-6): the right password connects, a wrong one is refused with its code", async (t) => {
  const gw = await spawnGateway({ config: { gateway: { auth: { password: "pw-1" } } } });
  t.after(() => disposeGateway(gw));
  assert.equal(gw.token, undefined, "no token is generated or printed in password mode");
  assert.match(gw.output(), /Control UI: http:\/\/127\.0\.0\.1:\d+\/\n/);
  assert.equal(await fileExists(path.join(gw.home.stateDir, "credentials", "gateway-token")), false);

  const ok = await GatewayClient.connect({ url: gw.wsUrl, password: "pw-1", clientId: "test", mode: "test" });
  assert.equal(ok.hello.snapshot["authMode"], "password");
  ok.close();

  const wrong = await GatewayClient.connect({
    url: gw.wsUrl,
    password: "pw-2",
    clientId: "test",
    mode: "test",
  }).then(
    () => assert.fail("a wrong password connected"),
    (e: unknown) => e,
  );
  assert.ok(wrong instanceof GatewayRequestError, String(wrong));
  assert.match(wrong.message, /^unauthorized: gateway password mismatch/);
  assert.equal(wrong.details?.["code"], "AUTH_PASSWORD_MISMATCH");

  const missing = await GatewayClient.connect({ url: gw.wsUrl, clientId: "test", mode: "test" }).then(
    () => assert.fail("no password connected"),
    (e: unknown) => e,
  );
  assert.ok(missing instanceof GatewayRequestError);
  assert.equal(missing.details?.["code"], "AUTH_PASSWORD_MISSING");

  const health = await gw.cli(["health", "--json"]);
  assert.equal(health.code, 0, `the CLI uses gateway.auth.password: ${health.stderr}`);
});

test("auth mode choice (reference §1): explicit mode wins, else password if set, else token", async (t) => {
  const both = { token: GATEWAY_TOKEN, password: "pw-both-1" };
  const connects = async (gw: SpawnedGateway, creds: { token?: string; password?: string }) =>
    GatewayClient.connect({ url: gw.wsUrl, ...creds, clientId: "test", mode: "test" }).then(
      (c) => {
        const mode = c.hello.snapshot["authMode"];
        c.close();
        return mode;
      },
      (e: unknown) => (e instanceof GatewayRequestError ? String(e.details?.["code"]) : Promise.reject(e)),
    );

  const noMode = await spawnGateway({ config: { gateway: { auth: both } } });
  t.after(() => disposeGateway(noMode));
  assert.equal(await connects(noMode, { password: both.password }), "password");
  assert.equal(await connects(noMode, { token: both.token }), "AUTH_PASSWORD_MISSING");

  const explicitToken = await spawnGateway({ config: { gateway: { auth: { ...both, mode: "token" } } } });
  t.after(() => disposeGateway(explicitToken));
  assert.equal(await connects(explicitToken, { token: both.token }), "token");
  assert.equal(await connects(explicitToken, { password: both.password }), "AUTH_TOKEN_MISSING");

  const tokenOnly = await spawnGateway({ config: { gateway: { auth: { token: GATEWAY_TOKEN } } } });
  t.after(() => disposeGateway(tokenOnly));
  assert.equal(await connects(tokenOnly, { token: GATEWAY_TOKEN }), "token");
  assert.equal(await connects(tokenOnly, { token: "not-the-token" }), "AUTH_TOKEN_MISMATCH");
});

test("OPENCLAW_GATEWAY_TOKEN works when config has no token, and no token file is generated", async (t) => {
  const envToken = "env-token-0123456789abcdef";
  const gw = await spawnGateway({ env: { OPENCLAW_GATEWAY_TOKEN: envToken } });
  t.after(() => disposeGateway(gw));
  assert.match(gw.output(), /Control UI: http:\/\/127\.0\.0\.1:\d+\/\n/, "no token in the link");
  const client = await gw.connect({ token: envToken });
  assert.equal(client.hello.snapshot["authMode"], "token");
  client.close();
  await assert.rejects(gw.connect({ token: "something-else" }), /gateway token mismatch/);
  assert.equal(await fileExists(path.join(gw.home.stateDir, "credentials", "gateway-token")), false);
  const health = await gw.cli(["health", "--json"]);
  assert.equal(health.code, 0, health.stderr);
  const log = await waitForFile(await dailyLogFile(gw), (s) => s.includes("connect rejected"));
  assert.equal(log.includes(envToken), false);
});

test("OPENCLAW_GATEWAY_PASSWORD selects password mode when config has no secret", async (t) => {
  const gw = await spawnGateway({ env: { OPENCLAW_GATEWAY_PASSWORD: "env-pass-123" } });
  t.after(() => disposeGateway(gw));
  const client = await GatewayClient.connect({
    url: gw.wsUrl,
    password: "env-pass-123",
    clientId: "test",
    mode: "test",
  });
  assert.equal(client.hello.snapshot["authMode"], "password");
  client.close();
  assert.equal(await fileExists(path.join(gw.home.stateDir, "credentials", "gateway-token")), false);
});

test("SEC-17: state dir 0700; transcript, sessions.json and the generated token 0600", async (t) => {
  const llm = await startFakeOpenAI({ reply: "fine" });
  t.after(() => llm.close());
  // A fresh machine: the first command the user runs is `config set`, which creates the state dir.
  const home = await createTestHome();
  await rm(home.stateDir, { recursive: true });
  const provider = providerConfig(llm.baseUrl);
  for (const [key, value] of [
    ["models", JSON.stringify(provider.models)],
    ["agents", JSON.stringify(provider.agents)],
  ] as const) {
    const r = await runCli(["config", "set", key, value], home.env);
    assert.equal(r.code, 0, r.stderr);
  }
  const gw = await spawnGateway({ home });
  t.after(() => disposeGateway(gw));
  const client = await gw.connect();
  t.after(() => client.close());
  const chat = collectEvents(client, "chat");
  const run = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "hi",
    idempotencyKey: "modes-1",
  });
  await chat.until((p) => p["runId"] === run.runId && p["state"] === "final");

  const mode = async (p: string) => (await stat(p)).mode & 0o777;
  const sessionsDir = path.join(home.stateDir, "agents", "main", "sessions");
  const store = JSON.parse(await readFile(path.join(sessionsDir, "sessions.json"), "utf8")) as Record<
    string,
    { sessionId: string }
  >;
  const entry = Object.values(store)[0]!;
  assert.equal((await mode(home.stateDir)).toString(8), "700", "state dir");
  assert.equal((await mode(home.configPath)).toString(8), "600", "openclaw.json");
  assert.equal(
    (await mode(path.join(sessionsDir, `${entry.sessionId}.jsonl`))).toString(8),
    "600",
    "transcript",
  );
  assert.equal((await mode(path.join(sessionsDir, "sessions.json"))).toString(8), "600", "sessions.json");
  assert.equal(
    (await mode(path.join(home.stateDir, "credentials", "gateway-token"))).toString(8),
    "600",
    "gateway-token",
  );
  assert.equal((await mode(path.join(home.stateDir, "credentials"))).toString(8), "700", "credentials dir");
});
