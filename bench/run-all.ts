/**
 * Prints the figures of DESIGN.md §6 for this checkout. Asserts nothing: speed is tracked here,
 * never in tests. Run with `npm run bench`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GatewayClient } from "../src/client/gateway-client.ts";
import { startFakeDiscord } from "../test/fakes/discord.ts";
import { startFakeOpenAI } from "../test/fakes/openai.ts";
import { startFakeSlack } from "../test/fakes/slack.ts";
import { startFakeTelegram } from "../test/fakes/telegram.ts";
import { collectEvents } from "../test/harness/events.ts";
import { CLI_ENTRY, createTestHome, freePort, spawnGateway } from "../test/harness/gateway.ts";
import { fmt, median, p95, timeCommand, treeRss } from "./lib.ts";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 7);
/** The gateway is measured as `npm start` runs it (package.json "start"). */
const GATEWAY_NODE_FLAGS = ["--max-semi-space-size=1"];
/**
 * One compile cache for every process of the bench, as on a user's machine after the first start
 * (the CLI enables Node's compile cache). The very first start, with an empty cache, is reported apart.
 */
const COMPILE_CACHE = await mkdtemp(path.join(os.tmpdir(), "openclaw-bench-cache-"));
const CACHE_ENV = { NODE_COMPILE_CACHE: COMPILE_CACHE };

async function coldStart(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const home = await createTestHome({
      config: { gateway: { auth: { token: "bench-token" } } },
      env: CACHE_ENV,
    });
    const port = await freePort();
    const t0 = performance.now();
    const proc = spawn(process.execPath, [CLI_ENTRY, "gateway", "run", "--port", String(port)], {
      env: home.env,
      stdio: "ignore",
    });
    let client: GatewayClient | undefined;
    while (!client) {
      try {
        client = await GatewayClient.connect({
          url: `ws://127.0.0.1:${port}`,
          token: "bench-token",
          clientId: "test",
          mode: "test",
          connectTimeoutMs: 2000,
        });
      } catch {
        await new Promise((r) => setTimeout(r, 2)); // not listening yet: poll again
      }
    }
    times.push(performance.now() - t0);
    client.close();
    proc.kill("SIGTERM");
    await new Promise((r) => proc.on("exit", r));
    await home.cleanup();
  }
  return times;
}

/**
 * Idle RSS of a gateway with no channel, or with Telegram, Discord and Slack all connected (each
 * to its local fake, so the SDKs really run: polling, gateway heartbeats, socket mode).
 */
async function idleRss(withChannels: boolean): Promise<number> {
  const [tg, dc, slack] = await Promise.all([
    startFakeTelegram({ token: "123:abc" }),
    startFakeDiscord(),
    startFakeSlack(),
  ]);
  const channels = {
    telegram: { botToken: "123:abc", apiRoot: tg.apiRoot, dmPolicy: "pairing" },
    discord: { token: dc.token, apiBaseUrl: dc.apiBaseUrl },
    slack: { botToken: slack.botToken, appToken: slack.appToken, apiUrl: slack.apiUrl },
  };
  const gw = await spawnGateway({
    config: withChannels ? { channels } : {},
    nodeFlags: GATEWAY_NODE_FLAGS,
    env: CACHE_ENV,
  });
  const client = await gw.connect();
  if (withChannels) {
    // Wait until all three report connected: idle means running, not still starting.
    for (let i = 0; i < 200; i++) {
      const s = await client.request<{ channelAccounts: Record<string, { connected: boolean }[]> }>(
        "channels.status",
        {},
      );
      const all = ["telegram", "discord", "slack"].every((c) => s.channelAccounts[c]?.[0]?.connected);
      if (all) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await client.request("health");
  client.close();
  await new Promise((r) => setTimeout(r, 3000)); // let start-up garbage settle: this is the idle figure
  const rss = await treeRss(gw.proc.pid!);
  await gw.stop();
  await gw.home.cleanup();
  await Promise.all([tg.close(), dc.close(), slack.close()]);
  return rss;
}

async function turnOverhead(): Promise<{ gateway: number[]; direct: number[] }> {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const config = {
    models: {
      providers: {
        fake: { baseUrl: llm.baseUrl, api: "openai-completions", apiKey: "sk-bench", models: [{ id: "m1" }] },
      },
    },
    agents: { defaults: { model: { primary: "fake/m1" } } },
  };
  const gw = await spawnGateway({ config, nodeFlags: GATEWAY_NODE_FLAGS, env: CACHE_ENV });
  const client = await gw.connect();
  const chat = collectEvents(client, "chat");
  const gateway: number[] = [];
  for (let i = 0; i < RUNS * 4; i++) {
    const t0 = performance.now();
    const run = await client.request<{ runId: string }>("chat.send", {
      sessionKey: `agent:main:bench-${i % 4}`,
      message: "hi",
      idempotencyKey: `b${i}`,
    });
    await chat.until((p) => p["runId"] === run.runId && p["state"] === "final");
    if (i >= 4) gateway.push(performance.now() - t0); // the first turns warm caches
  }
  // Baseline: the same request straight through the model library, no gateway.
  const { streamSimple } = await import("@earendil-works/pi-ai/api/openai-completions");
  const { normalizeContext } = await import("@earendil-works/pi-ai/utils/transcript");
  const model = {
    id: "m1",
    name: "m1",
    api: "openai-completions",
    provider: "fake",
    baseUrl: llm.baseUrl,
    reasoning: false,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 128000,
    maxTokens: 4096,
  } as const;
  const direct: number[] = [];
  for (let i = 0; i < RUNS * 4; i++) {
    const t0 = performance.now();
    const s = streamSimple(
      model as never,
      normalizeContext({
        systemPrompt: "x",
        messages: [{ role: "user", content: "hi", timestamp: Date.now() }],
      }),
      { apiKey: "sk-bench" },
    );
    for await (const _ of s) {
      // drain
    }
    if (i >= 4) direct.push(performance.now() - t0);
  }
  client.close();
  await gw.stop();
  await gw.home.cleanup();
  await llm.close();
  return { gateway, direct };
}

async function cliTimes(): Promise<{ version: number[]; status: number[] }> {
  const home = await createTestHome({ env: CACHE_ENV });
  const version: number[] = [];
  const status: number[] = [];
  for (let i = 0; i < RUNS; i++)
    version.push(await timeCommand(process.execPath, [CLI_ENTRY, "--version"], home.env));
  for (let i = 0; i < RUNS; i++)
    status.push(
      await timeCommand(process.execPath, [CLI_ENTRY, "status", "--json", "--timeout", "500"], home.env),
    );
  await home.cleanup();
  return { version, status };
}

const start = await coldStart();
console.log(
  `gateway cold start to hello-ok: median ${fmt(median(start))} (budget 300 ms), runs ${start.map((x) => x.toFixed(0)).join(", ")}`,
);
// The channel SDKs' first start fills the compile cache (and the heap with compiler data); a
// user's gateway after its first start does not pay that, so that start is not the figure.
await idleRss(true);
const bare = await idleRss(false);
const rss = await idleRss(true);
console.log(
  `gateway idle RSS: no channels ${(bare / 1024 / 1024).toFixed(1)} MB (budget 80 MB); Telegram + Discord + Slack connected ${(rss / 1024 / 1024).toFixed(1)} MB (target: within 20 MB of none)`,
);
const turn = await turnOverhead();
console.log(
  `chat turn against an instant fake: median ${fmt(median(turn.gateway))}, p95 ${fmt(p95(turn.gateway))}; same request without the gateway: median ${fmt(median(turn.direct))}; gateway overhead ≈ ${fmt(median(turn.gateway) - median(turn.direct))} (budget 5 ms)`,
);
const cli = await cliTimes();
await rm(COMPILE_CACHE, { recursive: true, force: true });
console.log(
  `openclaw --version: median ${fmt(median(cli.version))} (budget 120 ms); openclaw status (gateway down): median ${fmt(median(cli.status))} (budget 250 ms)`,
);

await import("./prompt-size.ts");
await import("./model-layer.ts");
await import("./tool-loop.ts");
