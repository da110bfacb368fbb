// Queue modes (reference-agent §3.7, RT-1..RT-4): what a user sees when messages arrive while the
// session's run is busy, over chat.send and through Telegram. The fake model holds its first
// answer open until the later messages are in the session's queue.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { GatewayClient } from "../../src/client/gateway-client.ts";
import type { RecordedRequest } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { startFakeTelegram } from "../fakes/telegram.ts";
import { collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient, type SpawnedGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

function configFor(llm: FakeLlm, queue: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
    // A short quiet period keeps the tests quick; the default (1000 ms) is pinned by unit tests.
    messages: { queue: { debounceMs: 50, ...queue } },
    ...extra,
  };
}

/** Answers each model call with `answer <n>`, counting from 1. */
async function countingModel(): Promise<FakeLlm> {
  const llm = await startFakeOpenAI();
  let n = 0;
  llm.setDefault(() => ({ kind: "text", text: `answer ${++n}` }));
  return llm;
}

/** The text of the newest user message of a chat completions request. */
function lastUserText(req: RecordedRequest): string {
  const messages = (req.body?.messages ?? []) as { role: string; content: unknown }[];
  const content = messages.findLast((m) => m.role === "user")?.content;
  if (typeof content === "string") return content;
  return ((content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("");
}

const userTexts = (req: RecordedRequest): string[] =>
  ((req.body?.messages ?? []) as { role: string; content: unknown }[])
    .filter((m) => m.role === "user")
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : ((m.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join(""),
    );

async function send(client: GatewayClient, message: string): Promise<string> {
  const ack = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message,
    idempotencyKey: randomUUID(),
  });
  return ack.runId;
}

function chatEnds(client: GatewayClient) {
  const chat = collectEvents(client, "chat");
  return (runId: string) =>
    chat.until((p) => p["runId"] === runId && ["final", "error", "aborted"].includes(String(p["state"])));
}

function textOf(payload: Record<string, unknown>): string {
  const content = (payload["message"] as { content?: { text?: string }[] } | undefined)?.content ?? [];
  return content.map((c) => c.text ?? "").join("");
}

/** Resolves once `n` messages were placed by the session's queue mode while it was busy. */
function busyArrivals(gw: SpawnedGateway, n: number): Promise<string> {
  return gw.waitForOutput(new RegExp(`(message arrived while the session is busy[\\s\\S]*){${n}}`));
}

async function sessionEntry(gw: SpawnedGateway): Promise<Record<string, unknown>> {
  const file = path.join(gw.home.stateDir, "agents/main/sessions/sessions.json");
  return JSON.parse(await readFile(file, "utf8"))["agent:main:main"];
}

test("collect (default): messages sent during a run get one followup turn in the documented format", async (t) => {
  const llm = await countingModel();
  const { gw, client } = await gatewayWithClient(t, { config: configFor(llm) }, llm);
  const ended = chatEnds(client);
  const release = llm.hold();
  const first = await send(client, "first question");
  await llm.nextRequest();
  const later = [await send(client, "second"), await send(client, "third"), await send(client, "fourth")];
  await busyArrivals(gw, 3);
  release();

  assert.equal(textOf(await ended(first)), "answer 1");
  const ends = await Promise.all(later.map(ended));
  assert.deepEqual(
    ends.map((e) => [e["state"], textOf(e)]),
    [
      ["final", ""],
      ["final", ""],
      ["final", "answer 2"],
    ],
    "the merged messages end with nothing to show; the last carries the answer",
  );
  await client.request("agent.wait", { runId: later[2] });
  assert.equal(llm.requests.length, 2, "exactly one followup turn");
  assert.match(
    lastUserText(llm.requests[1]!),
    /\[Queued messages while agent was busy\]\n\n---\nQueued #1\nsecond\n\n---\nQueued #2\nthird\n\n---\nQueued #3\nfourth$/,
  );
});

test("followup: each message sent during a run gets its own turn, in order", async (t) => {
  const llm = await countingModel();
  const { gw, client } = await gatewayWithClient(t, { config: configFor(llm, { mode: "followup" }) }, llm);
  const ended = chatEnds(client);
  const release = llm.hold();
  const first = await send(client, "first question");
  await llm.nextRequest();
  const later = [await send(client, "alpha"), await send(client, "beta"), await send(client, "gamma")];
  await busyArrivals(gw, 3);
  release();

  assert.equal(textOf(await ended(first)), "answer 1");
  const ends = await Promise.all(later.map(ended));
  assert.deepEqual(
    ends.map((e) => textOf(e)),
    ["answer 2", "answer 3", "answer 4"],
  );
  assert.equal(llm.requests.length, 4);
  assert.deepEqual(
    llm.requests.slice(1).map((r) => /(alpha|beta|gamma)$/.exec(lastUserText(r))?.[1]),
    ["alpha", "beta", "gamma"],
  );
});

test("steer: a message sent during a run reaches that run's next model request", async (t) => {
  const llm = await countingModel();
  const { gw, client } = await gatewayWithClient(t, { config: configFor(llm, { mode: "steer" }) }, llm);
  const ended = chatEnds(client);
  const release = llm.hold();
  const first = await send(client, "write a poem");
  await llm.nextRequest();
  const steered = await send(client, "make it about herons");
  await busyArrivals(gw, 1);
  release();

  const steeredEnd = await ended(steered);
  const firstEnd = await ended(first);
  assert.equal(textOf(firstEnd), "answer 2", "the run answers again, having seen the steered message");
  assert.equal(steeredEnd["state"], "final");
  assert.equal(textOf(steeredEnd), "");
  await client.request("agent.wait", { runId: first });
  assert.equal(llm.requests.length, 2, "no separate turn for the steered message");
  const users = userTexts(llm.requests[1]!);
  assert.match(users.at(-2) ?? "", /write a poem$/);
  assert.match(users.at(-1) ?? "", /make it about herons$/);
  const history = await client.request<{ messages: { role: string }[] }>("chat.history", {
    sessionKey: "main",
  });
  assert.deepEqual(
    history.messages.map((m) => m.role),
    ["user", "assistant", "user", "assistant"],
  );
});

test("interrupt: the active run is aborted and the newest message is answered", async (t) => {
  const llm = await countingModel();
  const { gw, client } = await gatewayWithClient(t, { config: configFor(llm, { mode: "interrupt" }) }, llm);
  const ended = chatEnds(client);
  const release = llm.hold();
  const first = await send(client, "a long task");
  await llm.nextRequest();
  const newest = await send(client, "never mind, do this instead");
  await busyArrivals(gw, 1);
  assert.equal((await ended(first))["state"], "aborted");
  release();
  const end = await ended(newest);
  assert.equal(end["state"], "final");
  assert.equal(textOf(end), "answer 1");
  assert.equal(llm.requests.length, 2);
  assert.match(lastUserText(llm.requests[1]!), /never mind, do this instead$/);
  assert.doesNotMatch(lastUserText(llm.requests[1]!), /Queued messages/);
});

test("cap with drop summarize: the overflow summary leads the collected prompt", async (t) => {
  const llm = await countingModel();
  const config = configFor(llm, { cap: 2, drop: "summarize" });
  const { gw, client } = await gatewayWithClient(t, { config }, llm);
  const ended = chatEnds(client);
  const release = llm.hold();
  await send(client, "first question");
  await llm.nextRequest();
  const later = [await send(client, "m2"), await send(client, "m3"), await send(client, "m4")];
  await busyArrivals(gw, 3);
  release();
  const ends = await Promise.all(later.map(ended));
  assert.equal(textOf(ends[2]!), "answer 2");
  assert.equal(ends[0]!["state"], "final", "the dropped message ends too");
  assert.equal(llm.requests.length, 2);
  assert.match(
    lastUserText(llm.requests[1]!),
    /\[Queued messages while agent was busy\]\n\n\[Queue overflow\] Dropped 1 message due to cap\.\nSummary:\n- m2\n\n---\nQueued #1\nm3\n\n---\nQueued #2\nm4$/,
  );
});

test("/queue sets, shows and resets the session's override in sessions.json", async (t) => {
  const llm = await countingModel();
  const { gw, client } = await gatewayWithClient(t, { config: configFor(llm) }, llm);
  const ended = chatEnds(client);
  const say = async (text: string) => textOf(await ended(await send(client, text)));

  assert.equal(
    await say("/queue followup debounce:2s cap:25 drop:old"),
    "⚙️ Queue mode set to followup.\n⚙️ Queue debounce set to 2000ms.\n⚙️ Queue cap set to 25.\n⚙️ Queue drop set to old.",
  );
  const entry = await sessionEntry(gw);
  assert.deepEqual(
    [entry["queueMode"], entry["queueDebounceMs"], entry["queueCap"], entry["queueDrop"]],
    ["followup", 2000, 25, "old"],
  );
  assert.match(
    await say("/queue"),
    /^Current queue settings: mode=followup, debounce=2000ms, cap=25, drop=old\./,
  );
  assert.equal(await say("/queue steer+backlog"), "⚙️ Queue mode set to steer-backlog.");
  assert.equal((await sessionEntry(gw))["queueMode"], "steer-backlog");
  assert.match(await say("/queue sometimes"), /Unrecognized queue mode "sometimes"/);
  assert.equal(await say("/queue reset"), "⚙️ Queue mode reset to default.");
  const cleared = await sessionEntry(gw);
  for (const key of ["queueMode", "queueDebounceMs", "queueCap", "queueDrop"])
    assert.equal(key in cleared, false, key);
  assert.match(await say("/queue"), /mode=collect, debounce=50ms, cap=20, drop=summarize/);
  assert.equal(llm.requests.length, 0, "directives never reach the model");
});

test("Telegram: messages sent while the bot is busy are answered once, together", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await countingModel();
  const channels = {
    telegram: { botToken: tg.token, apiRoot: tg.apiRoot, dmPolicy: "allowlist", allowFrom: ["42"] },
  };
  const { gw, client } = await gatewayWithClient(t, { config: configFor(llm, {}, { channels }) }, tg, llm);
  const release = llm.hold();
  tg.userSends({ fromId: 42, chatId: 42, text: "first question" });
  await llm.nextRequest();
  tg.userSends({ fromId: 42, chatId: 42, text: "second" });
  tg.userSends({ fromId: 42, chatId: 42, text: "third" });
  await busyArrivals(gw, 2);
  release();
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "answer 1");
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "answer 2");
  assert.match(
    lastUserText(llm.requests[1]!),
    /\[Queued messages while agent was busy\]\n\n---\nQueued #1\nsecond\n\n---\nQueued #2\nthird$/,
  );
  // The session's override, set from the chat, applies to the next burst.
  tg.userSends({ fromId: 42, chatId: 42, text: "/queue followup" });
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "⚙️ Queue mode set to followup.");
  tg.userSends({ fromId: 42, chatId: 42, text: "fourth" });
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "answer 3");
  assert.equal(llm.requests.length, 3, "no answer for the merged messages on their own");
  assert.deepEqual(
    tg.sent.map((m) => m.text),
    ["answer 1", "answer 2", "⚙️ Queue mode set to followup.", "answer 3"],
  );
  // Every message, the merged ones included, ends up marked handled in the durable inbox. The
  // last one is marked just after its answer is sent, and no event tells when: poll for it.
  const pending = async () =>
    (
      await client.request<{ channelAccounts: { telegram: { pendingInbound: number }[] } }>(
        "channels.status",
        {},
      )
    ).channelAccounts.telegram[0]?.pendingInbound;
  while ((await pending()) !== 0) await delay(50);
});

test("steer-backlog: the run sees the message now, and it also gets a followup turn", async (t) => {
  const llm = await countingModel();
  const config = configFor(llm, { mode: "steer-backlog" });
  const { gw, client } = await gatewayWithClient(t, { config }, llm);
  const ended = chatEnds(client);
  const release = llm.hold();
  const first = await send(client, "draft a plan");
  await llm.nextRequest();
  const backlog = await send(client, "include a budget");
  await busyArrivals(gw, 1);
  release();
  assert.equal(textOf(await ended(first)), "answer 2");
  assert.equal(textOf(await ended(backlog)), "answer 3");
  assert.equal(llm.requests.length, 3);
  assert.match(userTexts(llm.requests[1]!).at(-1) ?? "", /include a budget$/, "steered into the run");
  assert.match(lastUserText(llm.requests[2]!), /include a budget$/, "and answered as a followup");
});

test("/stop aborts the run and clears the messages waiting for a followup", async (t) => {
  const llm = await countingModel();
  const { gw, client } = await gatewayWithClient(t, { config: configFor(llm) }, llm);
  const ended = chatEnds(client);
  const release = llm.hold();
  const first = await send(client, "a long task");
  await llm.nextRequest();
  const waiting = await send(client, "and then this");
  await busyArrivals(gw, 1);
  assert.equal(textOf(await ended(await send(client, "/stop"))), "⚙️ Agent was aborted.");
  assert.equal((await ended(first))["state"], "aborted");
  assert.equal((await ended(waiting))["state"], "aborted");
  release();
  assert.equal(textOf(await ended(await send(client, "fresh start"))), "answer 1");
  assert.equal(llm.requests.length, 2, "the cleared message never ran");
  assert.doesNotMatch(lastUserText(llm.requests[1]!), /and then this/);
});
