import assert from "node:assert/strict";
import { test } from "node:test";
import type { Update } from "grammy/types";
import { answerTelegramWebhook, resolveWebhookSettings } from "../../src/channels/telegram/webhook.ts";

const update = { update_id: 7, message: { message_id: 1, date: 0, chat: { id: 42, type: "private" } } };

function post(secret: string | undefined, body = JSON.stringify(update)) {
  return {
    method: "POST",
    headers: secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret },
    body,
  };
}

test("an update is answered 200 only once recorded; the secret header is required", async () => {
  const seen: Update[] = [];
  let accept = true;
  const opts = {
    secret: "s3cret",
    onUpdate: async (u: Update) => {
      seen.push(u);
      return accept;
    },
  };
  assert.equal((await answerTelegramWebhook(post(undefined), opts)).status, 401);
  assert.equal((await answerTelegramWebhook(post("s3cret-not"), opts)).status, 401);
  assert.equal((await answerTelegramWebhook({ ...post("s3cret"), method: "GET" }, opts)).status, 405);
  assert.equal((await answerTelegramWebhook(post("s3cret", "{oops"), opts)).status, 400);
  assert.equal((await answerTelegramWebhook(post("s3cret", '{"message":{}}'), opts)).status, 400);
  assert.equal(seen.length, 0, "nothing unauthenticated or malformed reaches the inbox");
  assert.equal((await answerTelegramWebhook(post("s3cret"), opts)).status, 200);
  accept = false;
  assert.equal((await answerTelegramWebhook(post("s3cret"), opts)).status, 503, "Telegram retries");
  assert.deepEqual(
    seen.map((u) => u.update_id),
    [7, 7],
  );
});

test("webhook settings: none without webhookUrl, a secret is required, paths per account", () => {
  assert.equal(resolveWebhookSettings({}, "default", {}), undefined);
  assert.throws(
    () => resolveWebhookSettings({ webhookUrl: "https://x/hook" }, "default", {}),
    /webhookSecret/,
  );
  assert.throws(
    () =>
      resolveWebhookSettings({ webhookUrl: "https://x/hook", webhookSecret: "bad secret!" }, "default", {}),
    /1-256 characters/,
  );
  assert.deepEqual(
    resolveWebhookSettings({ webhookUrl: "https://x/hook", webhookSecret: "abc" }, "default", {}),
    {
      url: "https://x/hook",
      secret: "abc",
      path: "/telegram-webhook",
    },
  );
  assert.equal(
    resolveWebhookSettings({ webhookUrl: "https://x/hook", webhookSecret: "abc" }, "alerts", {})?.path,
    "/telegram-webhook/alerts",
  );
  const fromEnv = resolveWebhookSettings(
    { webhookUrl: "https://x/hook", webhookSecret: { source: "env", id: "TG_HOOK" }, webhookPath: "tg" },
    "default",
    { TG_HOOK: "from-env" },
  );
  assert.deepEqual(fromEnv, { url: "https://x/hook", secret: "from-env", path: "/tg" });
});
