/**
 * The model layer's own cost (issue figures for `src/models/`): time a turn's model call spends in
 * our selection, credential resolution and failover wrapper, and when the model library is first
 * imported by a gateway. Prints figures, asserts nothing. Run alone with `node bench/model-layer.ts`.
 */
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "@earendil-works/pi-ai";
import { GatewayClient } from "../src/client/gateway-client.ts";
import { OpenClawConfigSchema } from "../src/config/schema.ts";
import { createFailoverStream, type FailoverHooks } from "../src/models/failover.ts";
import { newTried, type SelectionContext, selectAttempt } from "../src/models/model-selection.ts";
import { streamModel } from "../src/models/stream.ts";
import { startFakeOpenAI } from "../test/fakes/openai.ts";
import { collectEvents } from "../test/harness/events.ts";
import { CLI_ENTRY, createTestHome, freePort } from "../test/harness/gateway.ts";
import { fmt, median, p95 } from "./lib.ts";

const ROUNDS = Number(process.env["BENCH_MODEL_ROUNDS"] ?? 300);
const TRACE = fileURLToPath(new URL("./trace-imports.ts", import.meta.url));

const noHooks: FailoverHooks = {
  onFailure: async () => {},
  onRetry: async () => {},
  onSuccess: async () => {},
};

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // consume to the end, as the run loop does
  }
}

/**
 * Per model call: the full model layer (selectAttempt reads the auth store, resolves the model and
 * credential; the failover stream relays the answer) against `streamModel` alone with the same
 * model and key, both answered by the same local fake. Interleaved so drift hits both alike.
 */
async function perTurnOverhead(): Promise<{ layer: number[]; bare: number[] }> {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const home = await createTestHome();
  const agentDir = path.join(home.stateDir, "agents", "main", "agent");
  await mkdir(agentDir, { recursive: true });
  await writeFile(
    path.join(agentDir, "auth-profiles.json"),
    JSON.stringify({
      version: 1,
      profiles: {
        "fake:a": { type: "api_key", provider: "fake", key: "sk-a" },
        "fake:b": { type: "api_key", provider: "fake", key: "sk-b" },
      },
    }),
  );
  const config = OpenClawConfigSchema.parse({
    models: {
      providers: { fake: { baseUrl: llm.baseUrl, api: "openai-completions", models: [{ id: "m1" }] } },
    },
    agents: { defaults: { model: { primary: "fake/m1", fallbacks: ["fake/m2"] } } },
  });
  const ctx: SelectionContext = {
    config,
    chain: ["fake/m1", "fake/m2"],
    agentDir,
    mainAgentDir: undefined,
    env: home.env,
    now: Date.now,
  };
  const context: Context = {
    systemPrompt: "x",
    messages: [{ role: "user", content: "hi", timestamp: Date.now() }],
  };
  const layer: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS + 20; i++) {
    const signal = new AbortController().signal;
    let t0 = performance.now();
    const tried = newTried();
    const first = await selectAttempt(ctx, tried);
    if ("error" in first) throw new Error(first.error);
    await drain(await createFailoverStream(ctx, tried, noHooks, first).streamFn(context, signal));
    const tLayer = performance.now() - t0;
    t0 = performance.now();
    await drain(await streamModel(first.model, context, { apiKey: first.credential.apiKey, signal }));
    const tBare = performance.now() - t0;
    if (i >= 20) {
      layer.push(tLayer); // the first rounds warm the JIT and the imports
      bare.push(tBare);
    }
  }
  await llm.close();
  await home.cleanup();
  return { layer, bare };
}

interface ImportTiming {
  /** ms from the Control UI line (port open) to the model library's first import; undefined: not yet. */
  afterListen: number | undefined;
  /** Whether it was imported before the first turn was sent. */
  beforeFirstTurn: boolean;
}

/** When a gateway first imports the model library: with a usable credential, and with none. */
async function importTiming(withCredential: boolean): Promise<ImportTiming> {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const provider = { baseUrl: llm.baseUrl, api: "openai-completions", models: [{ id: "m1" }] };
  const home = await createTestHome({
    config: {
      gateway: { auth: { token: "bench" } },
      models: { providers: { fake: withCredential ? { ...provider, apiKey: "sk-x" } : provider } },
      agents: { defaults: { model: { primary: "fake/m1" } } },
    },
  });
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    ["--import", TRACE, CLI_ENTRY, "gateway", "run", "--port", String(port)],
    {
      env: home.env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let listenAt: number | undefined;
  let importAt: number | undefined;
  proc.stdout.on("data", (d: Buffer) => {
    if (listenAt === undefined && d.toString().includes("Control UI:")) listenAt = performance.now();
  });
  proc.stderr.on("data", (d: Buffer) => {
    if (importAt === undefined && d.toString().includes("[trace-imports]")) importAt = performance.now();
  });
  while (listenAt === undefined) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 1500)); // what the gateway loads on its own, idle
  const beforeFirstTurn = importAt !== undefined;
  const client = await GatewayClient.connect({
    url: `ws://127.0.0.1:${port}`,
    token: "bench",
    clientId: "gateway-client", // the local backend client keeps its scopes with the shared token
    mode: "backend",
  });
  const chat = collectEvents(client, "chat");
  const run = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "agent:main:main",
    message: "hi",
    idempotencyKey: "first",
  });
  await chat.until((p) => p["runId"] === run.runId && (p["state"] === "final" || p["state"] === "error"));
  client.close();
  proc.kill("SIGTERM");
  await new Promise((r) => proc.on("exit", r));
  await home.cleanup();
  await llm.close();
  return { afterListen: importAt === undefined ? undefined : importAt - listenAt, beforeFirstTurn };
}

const turn = await perTurnOverhead();
const overhead = median(turn.layer) - median(turn.bare);
console.log(
  `model layer per call (selection + credentials + failover relay), ${ROUNDS} calls: median ${fmt(median(turn.layer))}, p95 ${fmt(p95(turn.layer))}; model library alone: median ${fmt(median(turn.bare))}; overhead ≈ ${fmt(overhead)} (budget 2 ms)`,
);
for (const withCredential of [false, true]) {
  const t = await importTiming(withCredential);
  const when =
    t.afterListen === undefined
      ? "not imported until the first turn"
      : `imported ${fmt(t.afterListen)} after the port opened (${t.beforeFirstTurn ? "background warm-up, before the first turn" : "by the first turn"})`;
  console.log(`model library, gateway ${withCredential ? "with" : "without"} a usable credential: ${when}`);
}
