import assert from "node:assert/strict";
import { test } from "node:test";
import { slackEmojiName } from "../../src/channels/slack/emoji-names.ts";
import type { OpenClawConfig } from "../../src/config/schema.ts";
import { type AckFacts, ackReactionFor } from "../../src/routing/ack-reaction.ts";

const facts = (f: Partial<AckFacts>): AckFacts => ({
  chatType: "group",
  mentioned: true,
  agentId: "main",
  accountAckReaction: undefined,
  ...f,
});
const cfg = (c: Record<string, unknown>) => c as OpenClawConfig;

test("the default scope acknowledges group messages that mention the bot, with 👀", () => {
  assert.equal(ackReactionFor(cfg({}), facts({})), "👀");
  assert.equal(ackReactionFor(cfg({}), facts({ mentioned: false })), undefined);
  assert.equal(ackReactionFor(cfg({}), facts({ chatType: "direct" })), undefined);
});

test("each ackReactionScope picks its messages", () => {
  const scoped = (scope: string) => cfg({ messages: { ackReactionScope: scope } });
  assert.equal(ackReactionFor(scoped("group-all"), facts({ mentioned: false })), "👀");
  assert.equal(ackReactionFor(scoped("group-all"), facts({ chatType: "direct" })), undefined);
  assert.equal(ackReactionFor(scoped("direct"), facts({ chatType: "direct" })), "👀");
  assert.equal(ackReactionFor(scoped("direct"), facts({})), undefined);
  assert.equal(ackReactionFor(scoped("all"), facts({ chatType: "direct" })), "👀");
  assert.equal(ackReactionFor(scoped("all"), facts({ chatType: "channel", mentioned: false })), "👀");
});

test("the emoji: account, then messages.ackReaction, then the agent's identity emoji; empty disables", () => {
  const identity = cfg({ agents: { list: [{ id: "main", identity: { emoji: "🦞" } }] } });
  assert.equal(ackReactionFor(identity, facts({})), "🦞");
  const both = cfg({ ...identity, messages: { ackReaction: "🔥" } });
  assert.equal(ackReactionFor(both, facts({})), "🔥");
  assert.equal(ackReactionFor(both, facts({ accountAckReaction: "👍" })), "👍");
  assert.equal(ackReactionFor(cfg({ messages: { ackReaction: "" } }), facts({})), undefined);
  assert.equal(ackReactionFor(both, facts({ accountAckReaction: "" })), undefined);
});

test("Slack reacts by emoji name", () => {
  assert.equal(slackEmojiName("👀"), "eyes");
  assert.equal(slackEmojiName(":white_check_mark:"), "white_check_mark");
  assert.equal(slackEmojiName("eyes"), "eyes");
  assert.equal(slackEmojiName("🫠"), undefined);
});
