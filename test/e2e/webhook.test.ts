import assert from "node:assert/strict";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { startFakeSlack } from "../fakes/slack.ts";
import { startFakeTelegram } from "../fakes/telegram.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { disposeGateway, freePort, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

function modelConfig(llm: FakeLlm) {
  return {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
  };
}

const SECRET = "hook-secret_123";

test("Telegram webhook mode: setWebhook on start, the secret is checked, an update is answered once recorded", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI({ reply: "Heard you over the webhook." });
  const port = await freePort();
  const telegram = {
    botToken: tg.token,
    apiRoot: tg.apiRoot,
    dmPolicy: "allowlist",
    allowFrom: ["42"],
    webhookUrl: `http://127.0.0.1:${port}/tg-hook`,
    webhookSecret: SECRET,
    webhookPath: "/tg-hook",
  };
  let gw: SpawnedGateway | undefined = await spawnGateway({
    port,
    config: { ...modelConfig(llm), channels: { telegram } },
  });
  const home = gw.home;
  let polling: SpawnedGateway | undefined;
  t.after(async () => {
    await gw?.stop();
    await polling?.stop();
    await home.cleanup();
    await Promise.all([tg.close(), llm.close()]);
  });

  const registered = await tg.waitForCall("setWebhook");
  assert.equal(registered.params["url"], telegram.webhookUrl);
  assert.equal(registered.params["secret_token"], SECRET);
  assert.equal(
    tg.calls.some((c) => c.method === "getUpdates"),
    false,
    "no polling while the webhook is set",
  );

  tg.userSends({ fromId: 42, chatId: 42, text: "are you on the webhook?" });
  assert.equal(await tg.deliverWebhookUpdate({ secret: "not-the-secret" }), 401);
  assert.equal(await tg.deliverWebhookUpdate({ secret: "" }), 401);
  assert.equal(await tg.deliverWebhookUpdate(), 200);
  // 200 went out after the message was on disk.
  const inbox = path.join(home.stateDir, "channels/telegram/default/inbox.jsonl");
  assert.match(await readFile(inbox, "utf8"), /are you on the webhook\?/);
  const answer = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(answer.text, "Heard you over the webhook.");

  const status = await gw.cli(["channels", "status", "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const snap = JSON.parse(status.stdout) as {
    channelAccounts: { telegram: { mode: string; connected: boolean }[] };
  };
  assert.equal(snap.channelAccounts.telegram[0]?.mode, "webhook");
  assert.equal(snap.channelAccounts.telegram[0]?.connected, true);

  // When the update cannot be recorded the answer is a 5xx, so Telegram delivers it again.
  await rm(inbox);
  await mkdir(inbox); // appending to the inbox now fails
  tg.userSends({ fromId: 42, chatId: 42, text: "second try" });
  const refused = await tg.deliverWebhookUpdate();
  assert.ok(refused >= 500, `status ${refused}`);
  await rm(inbox, { recursive: true });
  assert.equal(await tg.deliverWebhookUpdate(), 200, "the redelivery is accepted");
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "Heard you over the webhook.");

  // Back to long polling: the webhook is deleted and getUpdates works again.
  await gw.stop();
  gw = undefined;
  const { webhookUrl: _u, webhookSecret: _s, webhookPath: _p, ...pollingConfig } = telegram;
  await writeFile(
    home.configPath,
    JSON.stringify({ ...modelConfig(llm), channels: { telegram: pollingConfig } }),
  );
  polling = await spawnGateway({ home });
  await tg.waitForCall("deleteWebhook");
  assert.equal(tg.webhook(), undefined);
  llm.enqueue({ kind: "text", text: "Polling again." });
  tg.userSends({ fromId: 42, chatId: 42, text: "and now?" });
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "Polling again.");
});

test("Telegram webhook mode without webhookSecret does not start, and says why", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI();
  const gw = await spawnGateway({
    config: {
      ...modelConfig(llm),
      channels: {
        telegram: { botToken: tg.token, apiRoot: tg.apiRoot, webhookUrl: "https://bot.example/hook" },
      },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([tg.close(), llm.close()]);
  });
  const status = await gw.cli(["channels", "status", "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const snap = JSON.parse(status.stdout) as {
    channelAccounts: { telegram: { state: string; lastError?: string }[] };
  };
  const account = snap.channelAccounts.telegram[0];
  assert.equal(account?.state, "error");
  assert.match(account?.lastError ?? "", /webhookSecret/);
  assert.equal(tg.webhook(), undefined);
});

test("Slack HTTP mode: events arrive signed at /slack/events, url_verification is answered, forgeries are refused", async (t) => {
  const slack = await startFakeSlack();
  const llm = await startFakeOpenAI({ reply: "Hello over **HTTP**." });
  const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5";
  const gw = await spawnGateway({
    config: {
      ...modelConfig(llm),
      channels: {
        slack: {
          mode: "http",
          botToken: slack.botToken,
          signingSecret,
          apiUrl: slack.apiUrl,
          dmPolicy: "allowlist",
          allowFrom: ["U42"],
        },
      },
    },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([slack.close(), llm.close()]);
  });
  await gw.waitForOutput(/slack http mode receiving events/);
  const url = `http://127.0.0.1:${gw.port}/slack/events`;

  const challenge = await slack.postSigned(
    url,
    signingSecret,
    JSON.stringify({
      token: "unused",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    }),
  );
  assert.equal(challenge.status, 200);
  assert.deepEqual(JSON.parse(challenge.body), {
    challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
  });

  slack.userSends({ user: "U42", channel: "D42", text: "hello from the Events API" });
  assert.deepEqual(await slack.deliverOverHttp(url, "not-the-signing-secret"), [401]);
  const stale = await slack.postSigned(url, signingSecret, "{}", {
    timestampS: Math.floor(Date.now() / 1000) - 600,
  });
  assert.equal(stale.status, 401, "a request older than five minutes is refused");
  assert.equal(slack.sent.length, 0);

  assert.deepEqual(await slack.deliverOverHttp(url, signingSecret), [200]);
  const answer = await slack.nextBotMessage({ channel: "D42" });
  assert.equal(answer.text, "Hello over *HTTP*.");
  assert.equal(llm.requests.length, 1);
  assert.equal(
    slack.calls.some((c) => c.method === "apps.connections.open"),
    false,
    "no Socket Mode",
  );

  const status = await gw.cli(["channels", "status", "--json"]);
  const snap = JSON.parse(status.stdout) as {
    channelAccounts: { slack: { mode: string; connected: boolean }[] };
  };
  assert.equal(snap.channelAccounts.slack[0]?.mode, "http");
  assert.equal(snap.channelAccounts.slack[0]?.connected, true);
});
