import assert from "node:assert/strict";
import { test } from "node:test";
import { startFakeDiscord } from "../fakes/discord.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { startFakeSlack } from "../fakes/slack.ts";
import { startFakeTelegram } from "../fakes/telegram.ts";
import { disposeGateway, spawnGateway } from "../harness/gateway.ts";

function withModel(baseUrl: string, rest: Record<string, unknown>) {
  return {
    models: {
      providers: {
        fake: {
          baseUrl,
          api: "openai-completions",
          apiKey: "sk-test-key",
          models: [{ id: "m1", name: "M1" }],
        },
      },
    },
    agents: { defaults: { model: { primary: "fake/m1" } } },
    ...rest,
  };
}

test("Telegram: a mentioned group message gets 👀; a DM does not under the default scope", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI({ reply: "On it." });
  const gw = await spawnGateway({
    config: withModel(llm.baseUrl, {
      channels: {
        telegram: {
          botToken: tg.token,
          apiRoot: tg.apiRoot,
          groupPolicy: "open",
          dmPolicy: "allowlist",
          allowFrom: ["42"],
        },
      },
    }),
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([tg.close(), llm.close()]);
  });
  tg.userSends({ fromId: 42, chatId: 42, text: "hello in private" });
  await tg.nextBotMessage({ chatId: 42 });
  tg.userSends({ fromId: 42, chatId: -100700, chatType: "supergroup", text: `@${tg.botUsername} hi` });
  const reaction = await tg.waitForCall("setMessageReaction");
  assert.equal(String(reaction.params["chat_id"]), "-100700");
  const reacted = reaction.params["reaction"];
  const parsed = typeof reacted === "string" ? JSON.parse(reacted) : reacted;
  assert.deepEqual(parsed, [{ type: "emoji", emoji: "👀" }]);
  await tg.nextBotMessage({ chatId: -100700 });
  assert.equal(tg.calls.filter((c) => c.method === "setMessageReaction").length, 1, "none for the DM");
});

test("Discord and Slack: scope 'direct' acknowledges DMs, and removeAckAfterReply takes it back", async (t) => {
  const dc = await startFakeDiscord();
  const slack = await startFakeSlack();
  const llm = await startFakeOpenAI({ reply: "Done." });
  const gw = await spawnGateway({
    config: withModel(llm.baseUrl, {
      messages: { ackReactionScope: "direct", ackReaction: "✅", removeAckAfterReply: true },
      channels: {
        discord: { token: dc.token, apiBaseUrl: dc.apiBaseUrl, dmPolicy: "allowlist", allowFrom: ["42"] },
        slack: {
          botToken: slack.botToken,
          appToken: slack.appToken,
          apiUrl: slack.apiUrl,
          dmPolicy: "allowlist",
          allowFrom: ["U42"],
        },
      },
    }),
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([dc.close(), slack.close(), llm.close()]);
  });
  await dc.waitForGateway("identify");
  await slack.waitForConnections(1);

  const messageId = dc.userSendsDm({ userId: "42", text: "do it" });
  const added = await dc.waitForRequest("addReaction");
  assert.equal(added.path, `/channels/${dc.dmChannelOf("42")}/messages/${messageId}/reactions/✅/@me`);
  await dc.nextBotMessage({ channelId: dc.dmChannelOf("42") });
  const removed = await dc.waitForRequest("removeReaction");
  assert.equal(removed.path, added.path);

  const { ts } = slack.userSends({ user: "U42", channel: "D42", text: "do it too" });
  const add = await slack.waitForCall("reactions.add");
  assert.deepEqual(
    { channel: add.params["channel"], timestamp: add.params["timestamp"], name: add.params["name"] },
    { channel: "D42", timestamp: ts, name: "white_check_mark" },
  );
  await slack.nextBotMessage({ channel: "D42" });
  const remove = await slack.waitForCall("reactions.remove");
  assert.equal(remove.params["name"], "white_check_mark");
});
