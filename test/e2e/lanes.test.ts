import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import type { RecordedRequest } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient } from "../harness/gateway.ts";

interface AgentFinal {
  runId: string;
  status: string;
  result?: { payloads: { text: string }[] };
}

/** Starts an `agent` run; resolves with its id once accepted, and `final` with its end. */
async function startAgent(
  client: GatewayClient,
  params: { message: string; sessionKey: string; lane?: string },
): Promise<{ runId: string; final: Promise<AgentFinal> }> {
  let accepted!: (runId: string) => void;
  const runId = new Promise<string>((resolve) => {
    accepted = resolve;
  });
  const final = client.request<AgentFinal>(
    "agent",
    { ...params, idempotencyKey: `${params.sessionKey}:${params.message}` },
    { expectFinal: true, timeoutMs: 60_000, onAck: (p) => accepted((p as { runId: string }).runId) },
  );
  // Rejected before its ack (a bad param, say): surface that instead of waiting for the ack.
  return { runId: await Promise.race([runId, final.then((f) => f.runId)]), final };
}

/** The messages (this test's markers) the next `n` model calls carry. */
async function nextCalls(llm: { nextRequest(): Promise<RecordedRequest> }, n: number): Promise<string[]> {
  const markers: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`expected ${n} model calls, got ${markers.join(", ")}`)),
      20_000,
    );
  });
  try {
    for (let i = 0; i < n; i++) {
      const text = JSON.stringify((await Promise.race([llm.nextRequest(), late])).body);
      markers.push(/\blanes-([a-z]+-[a-z]+)\b/.exec(text)?.[1] ?? "?");
    }
  } finally {
    clearTimeout(timer);
  }
  return markers.sort();
}

test("subagent and cron runs have global lanes of their own, each under its cap", async (t) => {
  const llm = await startFakeOpenAI({ reply: "done" });
  const cfg = fakeModelConfig(llm.baseUrl);
  const { client } = await gatewayWithClient(
    t,
    {
      config: {
        ...cfg,
        agents: { defaults: { ...cfg.agents.defaults, maxConcurrent: 1, subagents: { maxConcurrent: 2 } } },
      },
    },
    llm,
  );
  const agentEvents = collectEvents(client, "agent");
  const release = llm.hold();

  // The main lane (cap 1) is taken by a run whose model call is held.
  const main = await startAgent(client, { message: "lanes-main-one", sessionKey: "agent:main:main" });
  assert.deepEqual(await nextCalls(llm, 1), ["main-one"]);

  // Two subagent runs in sessions of their own reach the model while main is busy, side by side.
  const subs = [
    await startAgent(client, {
      message: "lanes-sub-one",
      sessionKey: "agent:main:subagent:one",
      lane: "subagent",
    }),
    await startAgent(client, {
      message: "lanes-sub-two",
      sessionKey: "agent:main:subagent:two",
      lane: "subagent",
    }),
  ];
  assert.deepEqual(await nextCalls(llm, 2), ["sub-one", "sub-two"]);

  // A third waits for a subagent slot; a cron run and a run on a lane of its own do not wait for main.
  const third = await startAgent(client, {
    message: "lanes-sub-three",
    sessionKey: "agent:main:subagent:three",
    lane: "subagent",
  });
  const mainWaiting = await startAgent(client, { message: "lanes-main-two", sessionKey: "agent:main:other" });
  const cron = await startAgent(client, {
    message: "lanes-cron-one",
    sessionKey: "agent:main:cron:job1",
    lane: "cron",
  });
  const batch = await startAgent(client, {
    message: "lanes-batch-one",
    sessionKey: "agent:main:batch",
    lane: "batch",
  });
  assert.deepEqual(await nextCalls(llm, 2), ["batch-one", "cron-one"]);
  // Every event sent before this answer has reached the client: the held-back runs never started.
  const waited = await client.request<{ status: string }>("agent.wait", { runId: third.runId, timeoutMs: 0 });
  assert.equal(waited.status, "timeout");
  const started = (runId: string) =>
    agentEvents.seen.findIndex((e) => {
      const p = e.payload as { runId: string; stream: string; data: { phase?: string } };
      return p.runId === runId && p.stream === "lifecycle" && p.data.phase === "start";
    });
  assert.equal(started(third.runId), -1, "the third subagent run waits for a slot");
  assert.equal(started(mainWaiting.runId), -1, "the second main run waits for the main lane");
  assert.equal(llm.requests.length, 5);

  release();
  for (const run of [main, ...subs, third, mainWaiting, cron, batch]) {
    const final = await run.final;
    assert.equal(final.status, "ok");
    assert.deepEqual(final.result?.payloads, [{ text: "done" }]);
  }
  // The third started only after one of the first two ended.
  const ended = (runId: string) =>
    agentEvents.seen.findIndex((e) => {
      const p = e.payload as { runId: string; stream: string; data: { phase?: string } };
      return p.runId === runId && p.stream === "lifecycle" && p.data.phase === "end";
    });
  const firstSubEnd = Math.min(...subs.map((s) => ended(s.runId)));
  assert.ok(started(third.runId) > firstSubEnd, "the third subagent run started after a slot freed");
  assert.ok(started(mainWaiting.runId) > ended(main.runId), "main runs one at a time");
  assert.equal(llm.requests.length, 7);
});

test("a lane of its own admits one run at a time; a lane that is not a string is refused", async (t) => {
  const llm = await startFakeOpenAI({ reply: "done" });
  const { client } = await gatewayWithClient(t, { config: fakeModelConfig(llm.baseUrl) }, llm);
  const agentEvents = collectEvents(client, "agent");
  const release = llm.hold();
  const first = await startAgent(client, {
    message: "lanes-batch-one",
    sessionKey: "agent:main:b1",
    lane: "batch",
  });
  assert.deepEqual(await nextCalls(llm, 1), ["batch-one"]);
  const second = await startAgent(client, {
    message: "lanes-batch-two",
    sessionKey: "agent:main:b2",
    lane: "batch",
  });
  // Main (cap 4 by default) is free all the same.
  await startAgent(client, { message: "lanes-main-one", sessionKey: "agent:main:main" }).then(
    async (main) => {
      assert.deepEqual(await nextCalls(llm, 1), ["main-one"]);
      const waited = await client.request<{ status: string }>("agent.wait", {
        runId: second.runId,
        timeoutMs: 0,
      });
      assert.equal(waited.status, "timeout");
      assert.ok(
        !agentEvents.seen.some((e) => (e.payload as { runId: string }).runId === second.runId),
        "the second batch run waits for the first",
      );
      release();
      assert.equal((await main.final).status, "ok");
    },
  );
  assert.equal((await first.final).status, "ok");
  assert.equal((await second.final).status, "ok");
  assert.equal(llm.requests.length, 3);

  await assert.rejects(
    client.request("agent", { message: "hi", idempotencyKey: "bad-lane", lane: 3 }, { expectFinal: true }),
    /lane/,
  );
});
