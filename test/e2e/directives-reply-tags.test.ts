import assert from "node:assert/strict";
import { test } from "node:test";
import { startFakeDiscord } from "../fakes/discord.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { disposeGateway, spawnGateway } from "../harness/gateway.ts";

test("Discord: [[reply_to_current]] and [[reply_to:<id>]] answer as replies to those messages", async (t) => {
  const dc = await startFakeDiscord();
  const llm = await startFakeOpenAI({ reply: "ok" });
  const gw = await spawnGateway({
    config: {
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
        discord: { token: dc.token, apiBaseUrl: dc.apiBaseUrl, dmPolicy: "open", allowFrom: ["*"] },
      },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([dc.close(), llm.close()]);
  });
  await dc.waitForGateway("identify");
  const dm = dc.dmChannelOf("555");

  llm.enqueue({ kind: "text", text: "[[reply_to_current]] Quoting you." });
  const asked = dc.userSendsDm({ userId: "555", text: "quote me", username: "sam" });
  const quoted = await dc.nextBotMessage({ channelId: dm });
  assert.equal(quoted.content, "Quoting you.");
  assert.deepEqual(quoted.body["message_reference"], { message_id: asked, fail_if_not_exists: false });

  llm.enqueue({ kind: "text", text: `[[ reply_to: ${asked} ]] Back to your first message.` });
  dc.userSendsDm({ userId: "555", text: "answer my first message", username: "sam" });
  const byId = await dc.nextBotMessage({ channelId: dm });
  assert.equal(byId.content, "Back to your first message.");
  assert.equal((byId.body["message_reference"] as { message_id: string }).message_id, asked);

  // Without a tag the answer is a plain message; a tag later in the text is not special.
  llm.enqueue({ kind: "text", text: "Plain [[reply_to_current]]" });
  dc.userSendsDm({ userId: "555", text: "plain please", username: "sam" });
  const plain = await dc.nextBotMessage({ channelId: dm });
  assert.equal(plain.content, "Plain [[reply_to_current]]");
  assert.equal(plain.body["message_reference"], undefined);
});
