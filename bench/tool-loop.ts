/**
 * The agent loop's own cost per tool round-trip (model asks for a tool → tool runs → result goes
 * back): measured in-process with an instant scripted model and a no-op tool, so what remains is
 * the loop itself (events, message bookkeeping, argument validation, the next request's context).
 * Then the same through a running gateway, against the local fake model, with the real `read`
 * tool. Prints figures, asserts nothing. Run alone with `node bench/tool-loop.ts`.
 */
import type { AssistantMessage, AssistantMessageEvent, Message } from "@earendil-works/pi-ai";
import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/utils/event-stream";
import { z } from "zod";
import { type ModelStreamFn, runModelLoop } from "../src/agents/run-loop.ts";
import { defineTool } from "../src/tools/types.ts";
import { startFakeOpenAI } from "../test/fakes/openai.ts";
import { collectEvents } from "../test/harness/events.ts";
import { spawnGateway } from "../test/harness/gateway.ts";
import { fmt, median } from "./lib.ts";

const ROUND_TRIPS = 20;
const TURNS = Number(process.env["BENCH_TOOL_TURNS"] ?? 200);

function message(content: AssistantMessage["content"], stopReason: AssistantMessage["stopReason"]) {
  return {
    role: "assistant",
    content,
    api: "openai-completions",
    provider: "bench",
    model: "m",
    usage: {
      input: 1,
      output: 1,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 2,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason,
    timestamp: 0,
  } satisfies AssistantMessage;
}

/** A model that asks for the tool `rounds` times, then answers; each reply is ready at once. */
function scriptedModel(rounds: number): ModelStreamFn {
  let calls = 0;
  return async () => {
    const stream = createAssistantMessageEventStream();
    const events: AssistantMessageEvent[] =
      calls++ < rounds
        ? [
            {
              type: "done",
              reason: "toolUse",
              message: message(
                [{ type: "toolCall", id: `call_${calls}`, name: "noop", arguments: { n: calls } }],
                "toolUse",
              ),
            },
          ]
        : [{ type: "done", reason: "stop", message: message([{ type: "text", text: "done" }], "stop") }];
    for (const ev of events) stream.push(ev);
    return stream;
  };
}

const noop = defineTool({
  name: "noop",
  description: "Does nothing.",
  summary: "does nothing",
  schema: z.object({ n: z.number() }),
  run: async ({ n }) => `ok ${n}`,
});

async function loopTurn(rounds: number): Promise<number> {
  const history: Message[] = [{ role: "user", content: [{ type: "text", text: "go" }], timestamp: 0 }];
  const t0 = performance.now();
  for await (const _ of runModelLoop(
    "system",
    history,
    [noop],
    scriptedModel(rounds),
    new AbortController().signal,
  )) {
    // drain, as the turn does
  }
  return performance.now() - t0;
}

/** Per round-trip: (turn with N round-trips − turn with none) / N, medians over many turns. */
async function inProcess(): Promise<number> {
  const withTools: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < TURNS; i++) {
    withTools.push(await loopTurn(ROUND_TRIPS));
    without.push(await loopTurn(0));
  }
  return (median(withTools.slice(20)) - median(without.slice(20))) / ROUND_TRIPS;
}

/** Through the gateway: a chat turn of N `read` round-trips against the fake model, minus one without. */
async function throughGateway(): Promise<number> {
  const llm = await startFakeOpenAI();
  const gw = await spawnGateway({
    config: {
      models: {
        providers: {
          fake: {
            baseUrl: llm.baseUrl,
            api: "openai-completions",
            apiKey: "sk-bench",
            models: [{ id: "m1" }],
          },
        },
      },
      agents: { defaults: { model: { primary: "fake/m1" } } },
    },
  });
  const client = await gw.connect();
  const chat = collectEvents(client, "chat");
  const turn = async (i: number, rounds: number): Promise<number> => {
    for (let r = 0; r < rounds; r++)
      llm.enqueue({ kind: "toolCalls", calls: [{ name: "read", arguments: { path: "AGENTS.md" } }] });
    llm.enqueue({ kind: "text", text: "done" });
    const t0 = performance.now();
    const run = await client.request<{ runId: string }>("chat.send", {
      sessionKey: `agent:main:bench-tools-${i}`,
      message: "go",
      idempotencyKey: `tools-${i}-${rounds}`,
    });
    await chat.until((p) => p["runId"] === run.runId && p["state"] === "final", 60_000);
    return performance.now() - t0;
  };
  const withTools: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 12; i++) {
    withTools.push(await turn(i, 5));
    without.push(await turn(i + 100, 0));
  }
  const perRound = (median(withTools.slice(2)) - median(without.slice(2))) / 5;
  client.close();
  await gw.stop();
  await gw.home.cleanup();
  await llm.close();
  return perRound;
}

const loop = await inProcess();
console.log(
  `agent loop per tool round-trip (instant model, no-op tool): ${(loop * 1000).toFixed(0)} µs (budget 2 ms)`,
);
const gw = await throughGateway();
console.log(
  `through the gateway, per read round-trip incl. one fake-model request over HTTP and the transcript writes: ${fmt(gw)}`,
);
