import assert from "node:assert/strict";
import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { InboundMessage } from "../../src/channels/adapter.ts";
import { ChannelInbox, partDigest } from "../../src/channels/inbox.ts";
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

test("delivered parts of an answer are journaled until the message is settled", async () => {
  const file = path.join(await dir(), "inbox.jsonl");
  const inbox = await ChannelInbox.open(file, silentLogger);
  await inbox.record([msg("1"), msg("2")]);
  const first = partDigest({ chatId: "42" }, { type: "text", text: "part one" });
  await inbox.recordSent("1", 0, { digest: first, messageId: "m1" });
  await inbox.recordSent("9", 0, { digest: first, messageId: "m9" }); // not pending: nothing to journal

  // After a crash: the replay knows part 0 went out, and which text it carried.
  const reopened = await ChannelInbox.open(file, silentLogger);
  assert.deepEqual(reopened.sentPart("1", 0), { digest: first, messageId: "m1" });
  assert.equal(reopened.sentPart("1", 1), undefined);
  assert.equal(reopened.sentPart("9", 0), undefined);
  assert.notEqual(partDigest({ chatId: "42" }, { type: "text", text: "part two" }), first);
  assert.notEqual(partDigest({ chatId: "43" }, { type: "text", text: "part one" }), first, "another chat");

  await reopened.settle("1");
  assert.equal(reopened.sentPart("1", 0), undefined);
  const again = await ChannelInbox.open(file, silentLogger);
  assert.equal(again.sentPart("1", 0), undefined, "a settled message has no journal left");
  assert.deepEqual(
    again.pending().map((m) => m.key),
    ["2"],
  );
});

test("compaction keeps the journal of pending messages", async () => {
  const file = path.join(await dir(), "inbox.jsonl");
  const inbox = await ChannelInbox.open(file, silentLogger);
  await inbox.record([msg("keep")]);
  await inbox.recordSent("keep", 0, { digest: "d0", messageId: "m0" });
  for (let i = 0; i < 2000; i++) {
    await inbox.record([msg(`x${i}`)]);
    await inbox.settle(`x${i}`);
  }
  const compacted = await ChannelInbox.open(file, silentLogger);
  const text = await readFile(file, "utf8");
  assert.doesNotMatch(text, /text x5"/, "rewritten: handled messages keep only their keys");
  assert.deepEqual(compacted.sentPart("keep", 0), { digest: "d0", messageId: "m0" });
  assert.deepEqual(
    compacted.pending().map((m) => m.key),
    ["keep"],
  );
});
