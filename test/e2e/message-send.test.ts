import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { startFakeSlack } from "../fakes/slack.ts";
import { startFakeTelegram } from "../fakes/telegram.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

function modelConfig(llm: FakeLlm) {
  return {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
  };
}

interface SendResult {
  runId: string;
  channel: string;
  chatId: string;
  messageId: string;
  messageIds: string[];
}

test("openclaw message send delivers through Telegram, chunked, with a file; bad targets are refused", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI({ reply: "hello back" });
  const { gw, client } = await gatewayWithClient(
    t,
    {
      config: {
        ...modelConfig(llm),
        channels: {
          telegram: { botToken: tg.token, apiRoot: tg.apiRoot, dmPolicy: "allowlist", allowFrom: ["42"] },
        },
      },
    },
    tg,
    llm,
  );
  // The chat exists once the user wrote to the bot (Telegram refuses unknown chats).
  tg.userSends({ fromId: 42, chatId: 42, text: "hi" });
  await tg.nextBotMessage({ chatId: 42 });

  const long = `${"Morning report. ".repeat(200).trim()}\n\n${"Evening report. ".repeat(200).trim()}`;
  const sent = await gw.cli([
    "message",
    "send",
    "--channel",
    "telegram",
    "--target",
    "42",
    "--message",
    long,
    "--json",
  ]);
  assert.equal(sent.code, 0, sent.stderr);
  const result = JSON.parse(sent.stdout) as SendResult;
  assert.equal(result.channel, "telegram");
  assert.equal(result.chatId, "42");
  assert.equal(result.messageIds.length, 2, "over 4000 characters: two messages");
  const first = await tg.nextBotMessage({ chatId: 42 });
  const second = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(first.text, "Morning report. ".repeat(200).trim());
  assert.equal(second.text, "Evening report. ".repeat(200).trim());
  assert.equal(result.messageId, String(second.messageId));

  // A file from the state dir's media folder, and the channel picked as the only one configured.
  const mediaDir = path.join(gw.home.stateDir, "media");
  await mkdir(mediaDir, { recursive: true });
  await writeFile(path.join(mediaDir, "notes.txt"), "line one\nline two\n");
  const withFile = await gw.cli([
    "message",
    "send",
    "--target",
    "telegram:42",
    "--message",
    "Your notes",
    "--media",
    path.join(mediaDir, "notes.txt"),
  ]);
  assert.equal(withFile.code, 0, withFile.stderr);
  assert.match(withFile.stdout, /^Sent via telegram to 42 \(2 messages /);
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "Your notes");
  const file = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(file.file?.kind, "document");
  assert.equal(file.file?.fileName, "notes.txt");
  assert.equal(file.file?.data.toString("utf8"), "line one\nline two\n");

  const outside = await gw.cli(["message", "send", "--target", "42", "--media", "/etc/hostname"]);
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /INVALID_REQUEST/);

  const badTarget = await gw.cli([
    "message",
    "send",
    "--channel",
    "telegram",
    "--target",
    "channel:42",
    "-m",
    "x",
  ]);
  assert.equal(badTarget.code, 1);
  assert.match(badTarget.stderr, /telegram target "channel:42": use a chat id or @username/);
  const notRunning = await gw.cli(["message", "send", "--channel", "slack", "--target", "C100", "-m", "x"]);
  assert.equal(notRunning.code, 1);
  assert.match(notRunning.stderr, /slack is not running/);
  const nothing = await gw.cli(["message", "send", "--target", "42"]);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /needs --message or --media/);

  // The same idempotency key twice sends once (a client retrying after a lost answer).
  const count = tg.sent.length;
  const params = { to: "42", channel: "telegram", message: "only once", idempotencyKey: "retry-1" };
  const a = await client.request<SendResult>("send", params);
  const b = await client.request<SendResult>("send", params);
  assert.deepEqual(b, a);
  assert.equal(tg.sent.length, count + 1);
  assert.equal(llm.requests.length, 1, "sending never runs the agent");
});

test("openclaw message send delivers to a Slack channel as mrkdwn", async (t) => {
  const slack = await startFakeSlack();
  const llm = await startFakeOpenAI();
  const { gw } = await gatewayWithClient(
    t,
    {
      config: {
        ...modelConfig(llm),
        channels: { slack: { botToken: slack.botToken, appToken: slack.appToken, apiUrl: slack.apiUrl } },
      },
    },
    slack,
    llm,
  );
  await slack.waitForConnections(1);
  slack.userSends({ user: "U42", channel: "C100", text: "no mention, not answered" });
  await gw.waitForOutput(/inbound message blocked/);
  const sent = await gw.cli([
    "message",
    "send",
    "--channel",
    "slack",
    "--target",
    "channel:C100",
    "--message",
    "Deploy **done**.",
    "--json",
  ]);
  assert.equal(sent.code, 0, sent.stderr);
  const result = JSON.parse(sent.stdout) as SendResult;
  const posted = await slack.nextBotMessage({ channel: "C100" });
  assert.equal(posted.text, "Deploy *done*.");
  assert.equal(result.messageId, posted.ts);
  assert.equal(result.chatId, "C100");

  const status = await gw.cli(["channels", "status", "--json"]);
  const snap = JSON.parse(status.stdout) as { channelAccounts: { slack: { lastOutboundAt?: number }[] } };
  assert.ok(snap.channelAccounts.slack[0]?.lastOutboundAt, "the send counts as outbound activity");
});
