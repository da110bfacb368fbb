import assert from "node:assert/strict";
import { test } from "node:test";
import type { Update } from "grammy/types";
import type { ApiCallFn } from "grammy/web";
import { retryTransformer } from "../../src/channels/telegram/retry.ts";
import { translateUpdate } from "../../src/channels/telegram/translate.ts";

type Answer =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };

function scripted(answers: Answer[]): { prev: ApiCallFn; calls: string[] } {
  const calls: string[] = [];
  const prev = (async (method: string) => {
    calls.push(method);
    return answers.shift() ?? { ok: true, result: true };
  }) as unknown as ApiCallFn;
  return { prev, calls };
}

const flood = (s: number): Answer => ({
  ok: false,
  error_code: 429,
  description: `Too Many Requests: retry after ${s}`,
  parameters: { retry_after: s },
});

test("429 is retried after Telegram's retry_after; the delays are the ones it asked for", async () => {
  const delays: number[] = [];
  const retry = retryTransformer({
    maxAttempts: 4,
    maxRetryAfterMs: 60_000,
    sleep: async (ms) => void delays.push(ms),
  });
  const { prev, calls } = scripted([flood(3), flood(7), { ok: true, result: { message_id: 1 } }]);
  const res = await retry(prev, "sendMessage", { chat_id: 1, text: "x" } as never);
  assert.equal(res.ok, true);
  assert.deepEqual(delays, [3000, 7000]);
  assert.equal(calls.length, 3);
});

test("gives up after maxAttempts, on a retry_after beyond the cap, and never retries 4xx or getUpdates", async () => {
  const delays: number[] = [];
  const sleep = async (ms: number) => void delays.push(ms);
  const capped = retryTransformer({ maxAttempts: 2, maxRetryAfterMs: 5000, sleep });
  assert.equal((await capped(scripted([flood(1), flood(1)]).prev, "sendMessage", {} as never)).ok, false);
  assert.equal((await capped(scripted([flood(60)]).prev, "sendMessage", {} as never)).ok, false);
  const bad = scripted([{ ok: false, error_code: 400, description: "Bad Request: chat not found" }]);
  assert.equal((await capped(bad.prev, "sendMessage", {} as never)).ok, false);
  assert.equal(bad.calls.length, 1);
  const poll = scripted([flood(1)]);
  assert.equal((await capped(poll.prev, "getUpdates", {} as never)).ok, false);
  assert.deepEqual(delays, [1000], "only the first flood waited");
});

const bot = { id: 99, username: "claw_bot" };

function update(message: Record<string, unknown>): Update {
  return {
    update_id: 7,
    message: {
      message_id: 3,
      date: 1_700_000_000,
      from: { id: 42, is_bot: false, first_name: "Ann", username: "ann" },
      ...message,
    },
  } as unknown as Update;
}

test("a private text message becomes a direct InboundMessage keyed by the update id", () => {
  const msg = translateUpdate(
    update({ chat: { id: 42, type: "private", first_name: "Ann" }, text: "hi" }),
    bot,
    "default",
  );
  assert.deepEqual(msg, {
    channel: "telegram",
    accountId: "default",
    key: "7",
    chatType: "direct",
    chatId: "42",
    messageId: "3",
    sender: { id: "42", username: "ann", firstName: "Ann" },
    text: "hi",
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: 1_700_000_000_000,
  });
});

test("group mentions, replies to the bot and forum topics are translated", () => {
  const chat = { id: -1001, type: "supergroup", title: "G", is_forum: true };
  const mentioned = translateUpdate(
    update({
      chat,
      text: "hey @Claw_Bot look",
      entities: [{ type: "mention", offset: 4, length: 9 }],
      message_thread_id: 5,
      is_topic_message: true,
    }),
    bot,
    "default",
  );
  assert.equal(mentioned?.chatType, "group");
  assert.equal(mentioned?.mentionsBot, true);
  assert.equal(mentioned?.threadId, "5");
  const other = translateUpdate(
    update({ chat, text: "hey @someone", entities: [{ type: "mention", offset: 4, length: 8 }] }),
    bot,
    "default",
  );
  assert.equal(other?.mentionsBot, false);
  const reply = translateUpdate(
    update({
      chat,
      text: "yes",
      reply_to_message: { message_id: 1, date: 0, chat, from: { id: 99, is_bot: true, first_name: "Claw" } },
    }),
    bot,
    "default",
  );
  assert.equal(reply?.repliesToBot, true);
  assert.equal(
    translateUpdate(update({ chat, photo: [] }), bot, "default"),
    undefined,
    "no text yet: not handled",
  );
});
