import assert from "node:assert/strict";
import { test } from "node:test";
import type { AssistantMessage } from "@earendil-works/pi-ai";
import { reasoningMessage, toolBubble } from "../../src/agents/progress-text.ts";
import { parseReplyTags, stripThinking } from "../../src/agents/reply-tags.ts";
import { resolveThinkingLevel } from "../../src/agents/thinking-level.ts";
import { OpenClawConfigSchema } from "../../src/config/schema.ts";
import { splitInlineShortcuts } from "../../src/routing/commands/chat-gate.ts";
import { parseValue, splitArgs } from "../../src/routing/commands/config-command.ts";
import { DebugOverrides } from "../../src/routing/commands/debug-command.ts";
import { ackLine, elevatedRefusal, invalidLevelLine } from "../../src/routing/commands/directive-command.ts";
import { extractDirectives, inlineHints } from "../../src/routing/commands/directives.ts";
import { parseCommand } from "../../src/routing/commands/parse.ts";

test("a message made only of directives is directive-only, with every directive and its level", () => {
  const one = extractDirectives("/think high");
  assert.equal(one.only, true);
  assert.deepEqual(one.directives, [{ kind: "think", arg: "high", level: "high" }]);
  for (const text of ["/think:high", "/think: high", "/t high", "/thinking HIGH"])
    assert.deepEqual(
      extractDirectives(text).directives,
      [{ kind: "think", arg: text.match(/high/i)![0], level: "high" }],
      text,
    );
  const many = extractDirectives("/think off /verbose on /reason stream /elev full");
  assert.equal(many.only, true);
  assert.deepEqual(
    many.directives.map((d) => [d.kind, d.level]),
    [
      ["think", "off"],
      ["verbose", "on"],
      ["reasoning", "stream"],
      ["elevated", "full"],
    ],
  );
  const bare = extractDirectives("/think /verbose");
  assert.equal(bare.only, true);
  assert.deepEqual(bare.directives, [{ kind: "think" }, { kind: "verbose" }]);
  const invalid = extractDirectives("/think loud");
  assert.equal(invalid.only, true);
  assert.deepEqual(invalid.directives, [{ kind: "think", arg: "loud" }]);
});

test("inside a normal message directives are one-shot hints and are stripped from the text", () => {
  const hint = extractDirectives("/think high what is 2+2?");
  assert.equal(hint.only, false);
  assert.equal(hint.rest, "what is 2+2?");
  assert.deepEqual(inlineHints(hint.directives), { thinking: "high" });
  const middle = extractDirectives("please /v on list the files");
  assert.equal(middle.rest, "please list the files");
  assert.deepEqual(inlineHints(middle.directives), { verbose: "on" });
  // A word that is no level belongs to the sentence.
  const word = extractDirectives("/think about herons");
  assert.equal(word.rest, "about herons");
  assert.deepEqual(word.directives, []);
  // Paths and other slashes are not directives.
  const path = extractDirectives("look in /tmp and /var/think");
  assert.equal(path.rest, "look in /tmp and /var/think");
  assert.deepEqual(path.directives, []);
  assert.deepEqual(inlineHints(extractDirectives("/t x-high go").directives), { thinking: "xhigh" });
});

test("parseCommand takes aliases, bot suffixes and directive-only messages, not directive hints", () => {
  assert.deepEqual(parseCommand("/id"), { name: "whoami", args: "" });
  assert.deepEqual(parseCommand("/status@heron_bot"), { name: "status", args: "" });
  assert.equal(parseCommand("/think high")?.name, "think");
  assert.equal(parseCommand("/t:low")?.name, "think");
  assert.equal(parseCommand("/v off")?.name, "verbose");
  assert.equal(parseCommand("/reason on")?.name, "reasoning");
  assert.equal(parseCommand("/elev ask")?.name, "elevated");
  assert.equal(parseCommand("/think high explain herons"), undefined);
  assert.deepEqual(parseCommand("/config set a.b=1"), { name: "config", args: "set a.b=1" });
});

test("acknowledgements and hints use OpenClaw's wording", () => {
  assert.equal(ackLine("think", "high"), "Thinking level set to high.");
  assert.equal(ackLine("think", "off"), "Thinking disabled.");
  assert.equal(ackLine("verbose", "on"), "Verbose logging enabled.");
  assert.equal(ackLine("verbose", "off"), "Verbose logging disabled.");
  assert.equal(
    invalidLevelLine("think", "loud"),
    'Unrecognized thinking level "loud". Valid levels: off, minimal, low, medium, high, xhigh.',
  );
});

test("thinking level: inline, then session, then agent, then global default, then by model", () => {
  const all = { inline: "high", session: "low", agent: "medium", defaults: "minimal", reasoningModel: true };
  assert.equal(resolveThinkingLevel(all), "high");
  assert.equal(resolveThinkingLevel({ ...all, inline: undefined }), "low");
  assert.equal(resolveThinkingLevel({ ...all, inline: undefined, session: undefined }), "medium");
  assert.equal(resolveThinkingLevel({ reasoningModel: false, defaults: "minimal" }), "minimal");
  assert.equal(resolveThinkingLevel({ reasoningModel: true }), "low");
  assert.equal(resolveThinkingLevel({ reasoningModel: false }), "off");
  assert.equal(resolveThinkingLevel({ reasoningModel: true, session: "off" }), "off");
  // Levels a newer OpenClaw writes still resolve.
  assert.equal(resolveThinkingLevel({ reasoningModel: false, session: "ultra" }), "xhigh");
});

test("reply tags count only as the very first token; <think> blocks never reach the chat", () => {
  assert.deepEqual(parseReplyTags("[[reply_to_current]] Sure."), {
    text: "Sure.",
    replyTo: { type: "current" },
  });
  assert.deepEqual(parseReplyTags("[[ reply_to: 123 ]] Yes"), {
    text: "Yes",
    replyTo: { type: "message", id: "123" },
  });
  assert.deepEqual(parseReplyTags("Hi [[reply_to_current]]"), { text: "Hi [[reply_to_current]]" });
  assert.deepEqual(parseReplyTags("<think>hmm</think>[[reply_to_current]] ok"), {
    text: "ok",
    replyTo: { type: "current" },
  });
  assert.equal(stripThinking("<think>a\nb</think>\nAnswer"), "Answer");
  assert.equal(stripThinking("Answer <thinking>cut off"), "Answer");
  assert.equal(stripThinking("plain"), "plain");
});

test("inline shortcuts are found in longer messages, never in a command-only one", () => {
  assert.deepEqual(splitInlineShortcuts("hey /status how are you"), {
    shortcuts: ["/status"],
    rest: "hey how are you",
  });
  assert.deepEqual(splitInlineShortcuts("/whoami"), { shortcuts: [], rest: "/whoami" });
  assert.deepEqual(splitInlineShortcuts("see /tmp/status"), { shortcuts: [], rest: "see /tmp/status" });
  assert.deepEqual(splitInlineShortcuts("who am i? /id"), { shortcuts: ["/id"], rest: "who am i?" });
});

test("verbose bubbles and reasoning messages", () => {
  assert.equal(toolBubble("exec", { command: "ls -la\n/tmp" }), "🛠️ exec: ls -la /tmp");
  assert.equal(toolBubble("read", { path: "notes.md" }), "📖 read: notes.md");
  assert.equal(toolBubble("custom", {}), "🔧 custom");
  const message = {
    role: "assistant",
    content: [
      { type: "thinking", thinking: "They want herons." },
      { type: "text", text: "Herons eat fish." },
    ],
  } as unknown as AssistantMessage;
  assert.equal(reasoningMessage(message), "Reasoning:\nThey want herons.");
});

test("/config and /debug argument forms; debug overrides lie over the config without touching it", () => {
  assert.deepEqual(splitArgs("set a.b=1"), { action: "set", path: "a.b", value: "1" });
  assert.deepEqual(splitArgs("set a.b  true"), { action: "set", path: "a.b", value: "true" });
  assert.deepEqual(splitArgs("get a.b"), { action: "get", path: "a.b", value: undefined });
  assert.deepEqual(parseValue("{x: 1}"), { x: 1 });
  assert.equal(parseValue("hello world"), "hello world");
  const base = OpenClawConfigSchema.parse({ agents: { defaults: { timeoutSeconds: 60 } } });
  const debug = new DebugOverrides();
  assert.equal(debug.apply(base), base);
  debug.set("agents.defaults.timeoutSeconds", 5);
  assert.equal(debug.apply(base).agents?.defaults?.timeoutSeconds, 5);
  assert.equal(base.agents?.defaults?.timeoutSeconds, 60);
  assert.equal(debug.unset("agents.defaults.timeoutSeconds"), true);
  assert.equal(debug.apply(base).agents?.defaults?.timeoutSeconds, 60);
});

test("the elevated gate needs tools.elevated.enabled and the sender on its channel's list", () => {
  const sender = {
    channel: "telegram",
    accountId: "default",
    id: "111",
    chatType: "direct",
    chatId: "111",
    authorized: true,
    owner: true,
  };
  const off = OpenClawConfigSchema.parse({});
  assert.match(elevatedRefusal(off, "main", sender) ?? "", /tools\.elevated\.enabled is off/);
  const on = OpenClawConfigSchema.parse({
    tools: { elevated: { enabled: true, allowFrom: { telegram: ["111"] } } },
  });
  assert.equal(elevatedRefusal(on, "main", sender), undefined);
  assert.match(elevatedRefusal(on, "main", { ...sender, id: "222" }) ?? "", /not allowed/);
  assert.equal(elevatedRefusal(on, "main", undefined), undefined, "protocol clients are the operator");
});
