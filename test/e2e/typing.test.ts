import assert from "node:assert/strict";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { startFakeTelegram } from "../fakes/telegram.ts";
import { collectEvents } from "../harness/events.ts";
import { gatewayWithClient } from "../harness/gateway.ts";

async function setup(t: { after(fn: () => unknown): void }, typingMode: string) {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI();
  const { client } = await gatewayWithClient(
    t,
    {
      config: {
        models: {
          providers: {
            fake: {
              baseUrl: llm.baseUrl,
              api: "openai-completions",
              apiKey: "sk-test-key",
              models: [{ id: "m1", name: "M1" }],
            },
          },
        },
        agents: { defaults: { model: { primary: "fake/m1" }, typingMode } },
        channels: {
          telegram: { botToken: tg.token, apiRoot: tg.apiRoot, dmPolicy: "allowlist", allowFrom: ["42"] },
        },
      },
    },
    tg,
    llm,
  );
  return { tg, llm, chat: collectEvents(client, "chat") };
}

const typingCalls = (tg: { calls: { method: string }[] }) =>
  tg.calls.filter((c) => c.method === "sendChatAction").length;

test('typingMode "message": no typing for a silent answer, typing for a visible one', async (t) => {
  const { tg, llm, chat } = await setup(t, "message");
  llm.enqueue({ kind: "text", text: "NO_REPLY" }, { kind: "text", text: "Here I am." });
  tg.userSends({ fromId: 42, chatId: 42, text: "psst" });
  await chat.until((p) => p["state"] === "final");
  assert.equal(typingCalls(tg), 0);

  tg.userSends({ fromId: 42, chatId: 42, text: "hello?" });
  const answer = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(answer.text, "Here I am.");
  await tg.waitForCall("sendChatAction"); // typing was shown for the visible answer
});

test('typingMode "never": no typing indicator at all', async (t) => {
  const { tg } = await setup(t, "never");
  tg.userSends({ fromId: 42, chatId: 42, text: "hi" });
  await tg.nextBotMessage({ chatId: 42 });
  assert.equal(typingCalls(tg), 0);
});
