import assert from "node:assert/strict";
import { test } from "node:test";
import { OutboundTargetError, parseOutboundTarget } from "../../src/channels/outbound-target.ts";

test("Telegram targets: chat ids, @usernames, channel prefixes and forum topics", () => {
  assert.deepEqual(parseOutboundTarget("telegram", "42"), { chatId: "42" });
  assert.deepEqual(parseOutboundTarget("telegram", "telegram:-1001234567890"), { chatId: "-1001234567890" });
  assert.deepEqual(parseOutboundTarget("telegram", "tg:@news_channel"), { chatId: "@news_channel" });
  assert.deepEqual(parseOutboundTarget("telegram", "-100123:topic:7"), { chatId: "-100123", threadId: "7" });
  assert.deepEqual(parseOutboundTarget("telegram", "-100123:topic:7", "9"), {
    chatId: "-100123",
    threadId: "9",
  });
  assert.throws(() => parseOutboundTarget("telegram", "channel:42"), OutboundTargetError);
});

test("Discord targets need channel:<id>; bare ids are refused (reference-agent §5.3)", () => {
  assert.deepEqual(parseOutboundTarget("discord", "channel:123456"), { chatId: "123456" });
  assert.deepEqual(parseOutboundTarget("discord", "discord:channel:123456"), { chatId: "123456" });
  assert.throws(() => parseOutboundTarget("discord", "123456"), /bare ids are ambiguous/);
  assert.throws(() => parseOutboundTarget("discord", "user:42"), /not supported yet/);
});

test("Slack targets: channel:, user: or a bare conversation id", () => {
  assert.deepEqual(parseOutboundTarget("slack", "channel:C100"), { chatId: "C100" });
  assert.deepEqual(parseOutboundTarget("slack", "user:u42"), { chatId: "U42" });
  assert.deepEqual(parseOutboundTarget("slack", "D0ABC", "1700000000.000100"), {
    chatId: "D0ABC",
    threadId: "1700000000.000100",
  });
  assert.throws(() => parseOutboundTarget("slack", "#general"), OutboundTargetError);
});
