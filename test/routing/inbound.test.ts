import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelAdapter, InboundMessage, OutboundTarget } from "../../src/channels/adapter.ts";
import type { OpenClawConfig } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/infra/logger.ts";
import { handleInbound, type RunInboundRequest, type RunOutcome } from "../../src/routing/inbound.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const dir = tempDirs("inbound");

function recordingAdapter(maxTextChars = 50): {
  adapter: ChannelAdapter;
  sent: { to: OutboundTarget; text: string }[];
} {
  const sent: { to: OutboundTarget; text: string }[] = [];
  const adapter: ChannelAdapter = {
    channel: "telegram",
    accountId: "default",
    capabilities: {
      maxTextChars,
      defaultChunkChars: maxTextChars,
      typingTtlMs: undefined,
      allowFromPrefixes: ["telegram:"],
      label: "Telegram",
    },
    run: async () => undefined,
    send: async (to, part) => {
      sent.push({ to, text: part.type === "text" ? part.text : `[${part.fileName}]` });
      return { messageId: String(sent.length) };
    },
    probe: async () => ({ id: "1" }),
    sendTyping: async () => undefined,
    status: () => ({ state: "connected", reconnectAttempts: 0, mode: "test" }),
  };
  return { adapter, sent };
}

function dm(fromId: string, text: string, key = text): InboundMessage {
  return {
    channel: "telegram",
    accountId: "default",
    key,
    chatType: "direct",
    chatId: fromId,
    messageId: key,
    sender: { id: fromId },
    text,
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: 0,
  };
}

async function deps(reply: (req: RunInboundRequest) => RunOutcome) {
  const runs: RunInboundRequest[] = [];
  return {
    runs,
    deps: {
      config: () => ({}) as OpenClawConfig,
      stateDir: await dir(),
      log: silentLogger,
      now: () => Date.parse("2026-11-25T10:00:00Z"),
      run: async (req: RunInboundRequest) => {
        runs.push(req);
        return reply(req);
      },
    },
  };
}

const signal = new AbortController().signal;

test("under pairing, the fourth unknown sender gets no code while three are pending", async () => {
  const { deps: d, runs } = await deps(() => ({ status: "ok", reply: "x" }));
  const { adapter, sent } = recordingAdapter(500);
  for (const id of ["1", "2", "3", "4"]) await handleInbound(dm(id, "hello"), adapter, {}, d, signal);
  assert.deepEqual(
    sent.map((s) => s.to.chatId),
    ["1", "2", "3"],
  );
  assert.equal(runs.length, 0);
  const again = await handleInbound(dm("1", "hello again"), adapter, {}, d, signal);
  assert.equal(again.type, "pairing");
  assert.equal(sent.length, 3, "a pending sender gets no second message");
});

test("an allowed DM runs in the main session with an idempotency key per message, and chunks the reply", async () => {
  const { deps: d, runs } = await deps(() => ({
    status: "ok",
    reply: "First sentence here. Second sentence follows.",
  }));
  const { adapter, sent } = recordingAdapter(30);
  const out = await handleInbound(dm("42", "hi", "u1"), adapter, { allowFrom: ["telegram:42"] }, d, signal);
  assert.deepEqual(out, { type: "answered", sessionKey: "agent:main:main", parts: 2 });
  const { progress, sender, activity, ...req } = runs[0]!;
  assert.equal(typeof activity, "function");
  assert.deepEqual(req, {
    sessionKey: "agent:main:main",
    agentId: "main",
    text: "hi",
    channel: "telegram",
    idempotencyKey: "telegram:default:u1",
    route: "telegram:default:42:",
    awaitDelivery: true,
  });
  assert.equal(typeof progress, "function");
  // The one named allowFrom entry is the owner (reference-agent §3.9).
  assert.deepEqual(
    { id: sender?.id, authorized: sender?.authorized, owner: sender?.owner },
    { id: "42", authorized: true, owner: true },
  );
  assert.deepEqual(
    sent.map((s) => s.text),
    ["First sentence here.", "Second sentence follows."],
  );
});

test("NO_REPLY sends nothing; a failed run sends a short error; textChunkLimit is capped by the platform", async () => {
  const replies: RunOutcome[] = [
    { status: "ok", reply: " NO_REPLY " },
    { status: "error", reply: "", error: "boom" },
    { status: "ok", reply: "abcdefghij" },
  ];
  const { deps: d } = await deps(() => replies.shift()!);
  const { adapter, sent } = recordingAdapter(4);
  const account = { dmPolicy: "open", allowFrom: ["*"], textChunkLimit: 100 };
  assert.equal((await handleInbound(dm("7", "a"), adapter, account, d, signal)).type, "silent");
  await handleInbound(dm("7", "b"), adapter, { ...account, textChunkLimit: 1000 }, d, signal);
  await handleInbound(dm("7", "c"), adapter, account, d, signal);
  assert.deepEqual(
    sent.map((s) => s.text),
    ["⚠️", "boom", "abcd", "efgh", "ij"],
  );
});

test("mentionPatterns count as a mention in groups", async () => {
  const { deps: base, runs } = await deps(() => ({ status: "ok", reply: "yes" }));
  const d = {
    ...base,
    config: () => ({ messages: { groupChat: { mentionPatterns: ["\\bclaw\\b"] } } }) as OpenClawConfig,
  };
  const { adapter } = recordingAdapter();
  const group = (text: string): InboundMessage => ({ ...dm("42", text), chatType: "group", chatId: "-100" });
  const account = { groupPolicy: "open" };
  assert.deepEqual(await handleInbound(group("hello all"), adapter, account, d, signal), {
    type: "dropped",
    reason: "no mention",
  });
  const out = await handleInbound(group("hey Claw, help"), adapter, account, d, signal);
  assert.equal(out.type, "answered");
  assert.equal(runs[0]?.sessionKey, "agent:main:telegram:group:-100");
});
