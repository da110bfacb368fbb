import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { startFakeTelegram } from "../fakes/telegram.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

const PART_ONE = "First half of the story. ".repeat(150).trim();
const PART_TWO = "Second half of the story. ".repeat(150).trim();

test("kill -9 between two chunks of an answer: after restart only the missing chunk is sent", async (t) => {
  const tg = await startFakeTelegram();
  // Both runs (before and after the crash) answer the same, as a model replaying a turn would.
  const llm = await startFakeOpenAI({ reply: `${PART_ONE}\n\n${PART_TWO}` });
  const config = {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
    channels: {
      telegram: { botToken: tg.token, apiRoot: tg.apiRoot, dmPolicy: "allowlist", allowFrom: ["42"] },
    },
  };
  const first = await spawnGateway({ config });
  let second: SpawnedGateway | undefined;
  t.after(async () => {
    await first.kill9();
    await second?.stop();
    await first.home.cleanup();
    await Promise.all([tg.close(), llm.close()]);
  });

  // The first chunk is delivered; the second send reaches Telegram and never returns.
  const secondSend = tg.hangNext("sendMessage", 1);
  tg.userSends({ fromId: 42, chatId: 42, text: "tell me the whole story" });
  await secondSend;
  assert.deepEqual(
    tg.sent.map((m) => m.text),
    [PART_ONE],
  );
  await first.kill9();
  const inbox = await readFile(
    path.join(first.home.stateDir, "channels/telegram/default/inbox.jsonl"),
    "utf8",
  );
  assert.match(inbox, /"t":"sent","key":"[^"]+","n":0/, "the delivered chunk is journaled");
  assert.doesNotMatch(inbox, /"t":"done"/);

  second = await spawnGateway({ home: first.home });
  await second.waitForOutput(/skipping a reply part delivered before the restart/);
  const resumed = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(resumed.text, PART_ONE, "the chunk sent before the crash");
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, PART_TWO);
  // A graceful stop waits for the message to be settled: nothing more can be sent after it.
  await second.stop();
  assert.deepEqual(
    tg.sent.map((m) => m.text),
    [PART_ONE, PART_TWO],
    "each chunk exactly once",
  );
  const settled = await readFile(
    path.join(first.home.stateDir, "channels/telegram/default/inbox.jsonl"),
    "utf8",
  );
  assert.match(settled, /"t":"done"/);
  // The answer was complete in the transcript: the replay delivers it without asking the model again.
  assert.equal(llm.requests.length, 1, "one model call in all");
  const lines = await transcriptLines(first.home.stateDir);
  assert.equal(lines.filter((l) => l.message?.role === "user").length, 1, "one user line");
  assert.equal(lines.filter((l) => l.message?.role === "assistant").length, 1, "one answer");
});

test("kill -9 while the model works on a message: the replay does not write the message into the transcript again", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI();
  llm.enqueue({ kind: "hang" });
  const config = {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
    channels: {
      telegram: { botToken: tg.token, apiRoot: tg.apiRoot, dmPolicy: "allowlist", allowFrom: ["42"] },
    },
  };
  const first = await spawnGateway({ config });
  let second: SpawnedGateway | undefined;
  t.after(async () => {
    await first.kill9();
    await second?.stop();
    await first.home.cleanup();
    await Promise.all([tg.close(), llm.close()]);
  });
  tg.userSends({ fromId: 42, chatId: 42, text: "remember the heron" });
  await llm.nextRequest(); // the message is in the transcript; the model has not answered
  await first.kill9();

  llm.enqueue({ kind: "text", text: "The heron is remembered." });
  second = await spawnGateway({ home: first.home });
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "The heron is remembered.");
  await second.stop();

  const retried = JSON.stringify(llm.requests.at(-1)?.body);
  assert.equal(retried.split("remember the heron").length - 1, 1, "the model sees the message once");
  const lines = await transcriptLines(first.home.stateDir);
  const users = lines.filter((l) => l.message?.role === "user");
  assert.equal(users.length, 1, "one user line");
  assert.match(JSON.stringify(users[0]?.message?.content), /remember the heron/);
  const answers = lines.filter((l) => l.message?.role === "assistant");
  assert.equal(answers.length, 1);
});

type Line = { type: string; message?: { role: string; content: unknown } };

/** The message lines of the main session's transcript. */
async function transcriptLines(stateDir: string): Promise<Line[]> {
  const sessionsDir = path.join(stateDir, "agents/main/sessions");
  const index = JSON.parse(await readFile(path.join(sessionsDir, "sessions.json"), "utf8")) as Record<
    string,
    { sessionId: string }
  >;
  const sessionId = index["agent:main:main"]?.sessionId;
  assert.ok(sessionId, Object.keys(index).join(", "));
  return (await readFile(path.join(sessionsDir, `${sessionId}.jsonl`), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.type === "message");
}
