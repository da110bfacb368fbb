import assert from "node:assert/strict";
import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { InboundMessage } from "../../src/channels/adapter.ts";
import { ChannelInbox } from "../../src/channels/inbox.ts";
import { silentLogger } from "../../src/infra/logger.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const dir = tempDirs("inbox");

function msg(key: string, text = `text ${key}`): InboundMessage {
  return {
    channel: "telegram",
    accountId: "default",
    key,
    chatType: "direct",
    chatId: "42",
    messageId: key,
    sender: { id: "42" },
    text,
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: 0,
  };
}

test("recorded messages stay pending until settled, across a reopen", async () => {
  const file = path.join(await dir(), "inbox.jsonl");
  const inbox = await ChannelInbox.open(file, silentLogger);
  assert.deepEqual(
    (await inbox.record([msg("1"), msg("2")])).map((m) => m.key),
    ["1", "2"],
  );
  await inbox.settle("1");
  const reopened = await ChannelInbox.open(file, silentLogger);
  assert.deepEqual(
    reopened.pending().map((m) => m.key),
    ["2"],
  );
  assert.deepEqual(reopened.pending()[0], msg("2"), "replayed unchanged");
});

test("a redelivered message is not recorded twice, before or after it was handled", async () => {
  const file = path.join(await dir(), "inbox.jsonl");
  const inbox = await ChannelInbox.open(file, silentLogger);
  await inbox.record([msg("1")]);
  assert.deepEqual(await inbox.record([msg("1")]), []);
  await inbox.settle("1");
  const reopened = await ChannelInbox.open(file, silentLogger);
  assert.deepEqual(await reopened.record([msg("1"), msg("3")]).then((r) => r.map((m) => m.key)), ["3"]);
});

test("a torn last line is skipped and reported, the rest is read", async () => {
  const file = path.join(await dir(), "inbox.jsonl");
  const inbox = await ChannelInbox.open(file, silentLogger);
  await inbox.record([msg("1")]);
  await appendFile(file, '{"t":"in","key":"2","msg":{"te');
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
  const reopened = await ChannelInbox.open(file, log);
  assert.deepEqual(
    reopened.pending().map((m) => m.key),
    ["1"],
  );
  assert.match(warnings.join("\n"), /torn line/);
  assert.match(await readFile(file, "utf8"), /"key":"1"/);
});
