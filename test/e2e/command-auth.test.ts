import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

async function setup(
  t: { after(fn: () => unknown): void },
  extra: { telegram?: Record<string, unknown>; commands?: Record<string, unknown> },
  reply = "ok",
): Promise<{ tg: FakeTelegram; llm: FakeLlm; gw: SpawnedGateway }> {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI({ reply });
  const config = {
    models: {
      providers: {
        fake: {
          baseUrl: llm.baseUrl,
          api: "openai-completions",
          apiKey: "sk-test-key",
          models: [{ id: "m1" }],
        },
      },
    },
    agents: { defaults: { model: { primary: "fake/m1" } } },
    channels: {
      telegram: {
        botToken: tg.token,
        apiRoot: tg.apiRoot,
        dmPolicy: "open",
        allowFrom: ["*"],
        groupPolicy: "open",
        ...extra.telegram,
      },
    },
    ...(extra.commands ? { commands: extra.commands } : {}),
  };
  const gw = await spawnGateway({ config });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([tg.close(), llm.close()]);
  });
  return { tg, llm, gw };
}

test("commands.allowFrom decides: others' commands are ignored, their inline /… is text; /config is the owner's", async (t) => {
  const { tg, llm, gw } = await setup(
    t,
    { commands: { allowFrom: { telegram: ["111", "333"] }, ownerAllowFrom: ["telegram:111"], config: true } },
    "plain answer",
  );
  // 222 passes the channel (open DMs) but not commands.allowFrom.
  tg.userSends({ fromId: 222, chatId: 222, text: "/status" });
  await gw.waitForOutput(/inbound message blocked: command from an unauthorised sender/);
  tg.userSends({ fromId: 222, chatId: 222, text: "hello /status /think high" });
  assert.equal((await tg.nextBotMessage({ chatId: 222 })).text, "plain answer");
  assert.equal(llm.requests.length, 1);
  assert.match(
    llm.lastRequestText(),
    /hello \/status \/think high/,
    "an unauthorised sender's /… is plain text",
  );
  assert.equal(llm.requests[0]?.body.reasoning_effort, undefined);
  assert.equal(tg.sent.filter((m) => m.chatId === 222).length, 1, "the command-only message got no answer");

  tg.userSends({ fromId: 111, chatId: 111, text: "/whoami", username: "owner_alice" });
  const who = await tg.nextBotMessage({ chatId: 111 });
  assert.match(who.text, /User id: 111/);
  assert.match(who.text, /Username: @owner_alice/);

  tg.userSends({ fromId: 333, chatId: 333, text: "/config set agents.defaults.timeoutSeconds=90" });
  assert.equal((await tg.nextBotMessage({ chatId: 333 })).text, "⚠️ /config is restricted to the owner.");
  assert.doesNotMatch(await readFile(gw.home.configPath, "utf8"), /"timeoutSeconds"/);

  tg.userSends({ fromId: 111, chatId: 111, text: "/config set agents.defaults.timeoutSeconds=90" });
  assert.equal(
    (await tg.nextBotMessage({ chatId: 111 })).text,
    "⚙️ Config updated: agents.defaults.timeoutSeconds = 90",
  );
  assert.equal(JSON.parse(await readFile(gw.home.configPath, "utf8")).agents.defaults.timeoutSeconds, 90);
  assert.equal(llm.requests.length, 1, "no command reached the model");
});

test("without commands.config, /config is refused even for the owner", async (t) => {
  const { tg } = await setup(t, { telegram: { allowFrom: ["*", "111"] } });
  tg.userSends({ fromId: 111, chatId: 111, text: "/config show" });
  assert.equal(
    (await tg.nextBotMessage({ chatId: 111 })).text,
    "⚠️ /config is disabled. Set commands.config: true to enable it.",
  );
});

test("group commands skip mention gating; reply tags quote; inline shortcuts answer and the rest goes on; /verbose shows tools", async (t) => {
  const { tg, llm, gw } = await setup(t, {});
  // Unmentioned plain text is not answered; an unmentioned command is.
  tg.userSends({ fromId: 42, chatId: -100500, chatType: "supergroup", text: "anyone around?" });
  await gw.waitForOutput(/inbound message blocked: no mention/);
  tg.userSends({ fromId: 42, chatId: -100500, chatType: "supergroup", text: `/status@${tg.botUsername}` });
  const status = await tg.nextBotMessage({ chatId: -100500 });
  assert.match(status.text, /Session: agent:main:telegram:group:-100500/);
  assert.equal(llm.requests.length, 0);

  // `[[reply_to_current]]` quotes the message being answered; `<think>` never shows.
  llm.enqueue({
    kind: "text",
    text: "[[reply_to_current]] <think>they want tides</think>High tide at noon.",
  });
  tg.userSends({ fromId: 7, chatId: 7, text: "tides?" });
  const quoted = await tg.nextBotMessage({ chatId: 7 });
  assert.equal(quoted.text, "High tide at noon.");
  const replyTo = (quoted.params["reply_parameters"] as { message_id: number } | undefined)?.message_id;
  // The fake numbers every message, the users' and the bot's, in one sequence: the answer
  // directly follows the question it quotes.
  assert.equal(replyTo, quoted.messageId - 1, JSON.stringify(quoted.params));

  // `hey /whoami …`: the shortcut is answered, the rest reaches the model without it.
  tg.userSends({ fromId: 7, chatId: 7, text: "hey /whoami what is the tide?" });
  assert.match((await tg.nextBotMessage({ chatId: 7 })).text, /User id: 7/);
  assert.equal((await tg.nextBotMessage({ chatId: 7 })).text, "ok");
  assert.match(llm.lastRequestText(), /hey what is the tide\?/);
  assert.doesNotMatch(llm.lastRequestText(), /whoami/);

  // `/verbose on`: each tool call shows as its own message when it starts, before the answer.
  tg.userSends({ fromId: 7, chatId: 7, text: "/verbose on" });
  assert.equal((await tg.nextBotMessage({ chatId: 7 })).text, "Verbose logging enabled.");
  llm.enqueue(
    { kind: "toolCalls", calls: [{ name: "read", arguments: { path: "TIDES.md" } }] },
    { kind: "text", text: "No tide table here." },
  );
  tg.userSends({ fromId: 7, chatId: 7, text: "read the tide table" });
  assert.equal((await tg.nextBotMessage({ chatId: 7 })).text, "📖 read: TIDES.md");
  assert.equal((await tg.nextBotMessage({ chatId: 7 })).text, "No tide table here.");
  tg.userSends({ fromId: 7, chatId: 7, text: "/v off" });
  assert.equal((await tg.nextBotMessage({ chatId: 7 })).text, "Verbose logging disabled.");

  // Outside heartbeats a reply that is only HEARTBEAT_OK is dropped; a trailing one is stripped.
  llm.enqueue({ kind: "text", text: "HEARTBEAT_OK" }, { kind: "text", text: "All calm. HEARTBEAT_OK" });
  tg.userSends({ fromId: 7, chatId: 7, text: "anything new?" });
  tg.userSends({ fromId: 7, chatId: 7, text: "and now?" });
  assert.equal((await tg.nextBotMessage({ chatId: 7 })).text, "All calm.");
});
