import assert from "node:assert/strict";
import { test } from "node:test";
import { sessionKeyFor } from "../../src/routing/session-route.ts";

const dm = {
  agentId: "Main",
  channel: "telegram",
  accountId: "default",
  chatType: "direct" as const,
  chatId: "42",
  peerId: "42",
};

test("DM keys follow session.dmScope (reference-gateway §5)", () => {
  assert.equal(sessionKeyFor({ ...dm, dmScope: "main" }), "agent:main:main");
  assert.equal(sessionKeyFor({ ...dm, dmScope: "per-peer" }), "agent:main:direct:42");
  assert.equal(sessionKeyFor({ ...dm, dmScope: "per-channel-peer" }), "agent:main:telegram:direct:42");
  assert.equal(
    sessionKeyFor({ ...dm, accountId: "Alerts", dmScope: "per-account-channel-peer" }),
    "agent:main:telegram:alerts:direct:42",
  );
  assert.equal(
    sessionKeyFor({ ...dm, dmScope: "per-peer", identityLinks: { ann: ["telegram:42", "discord:7"] } }),
    "agent:main:direct:ann",
  );
});

test("groups get their own keys, forum topics a :topic: suffix, threads a :thread: suffix", () => {
  const group = { ...dm, chatType: "group" as const, chatId: "-1001", dmScope: "main" as const };
  assert.equal(sessionKeyFor(group), "agent:main:telegram:group:-1001");
  assert.equal(
    sessionKeyFor({ ...group, threadId: "99", threadSuffix: "topic" }),
    "agent:main:telegram:group:-1001:topic:99",
  );
  const channel = {
    ...dm,
    channel: "Slack",
    chatType: "channel" as const,
    chatId: "C100",
    dmScope: "main" as const,
  };
  assert.equal(
    sessionKeyFor({ ...channel, threadId: "1700000000.000100", threadSuffix: "thread" }),
    "agent:main:slack:channel:c100:thread:1700000000.000100",
  );
  // reference-gateway §5: a thread is `:thread:` unless the channel says otherwise.
  assert.equal(sessionKeyFor({ ...channel, threadId: "AbC" }), "agent:main:slack:channel:c100:thread:abc");
});
