import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import type { AdapterContext, ChannelAdapter, InboundMessage } from "../../src/channels/adapter.ts";
import { ChannelAuthError } from "../../src/channels/adapter.ts";
import { createAdapter } from "../../src/channels/slack/adapter.ts";
import { slackGroupEntries } from "../../src/channels/slack/groups.ts";
import { answerSlackRequest } from "../../src/channels/slack/http-events.ts";
import { markdownToMrkdwn } from "../../src/channels/slack/mrkdwn.ts";
import { resolveApiUrl, resolveSlackCredentials, SlackTokenError } from "../../src/channels/slack/token.ts";
import { translateEvent } from "../../src/channels/slack/translate.ts";
import { silentLogger } from "../../src/infra/logger.ts";
import { type FakeSlack, startFakeSlack } from "../fakes/slack.ts";

const bot = { userId: "U0BOT", name: "claw", botId: "B0BOT", teamId: "T1" };

function callback(event: Record<string, unknown>): unknown {
  return { type: "event_callback", team_id: "T1", event_id: "Ev1", event };
}

test("a DM becomes a direct message keyed by channel and ts, with Slack's escapes undone", () => {
  const msg = translateEvent(
    callback({
      type: "message",
      channel: "D123",
      channel_type: "im",
      user: "U42",
      text: "is 1 &lt; 2 &amp;&amp; 3 &gt; 2?",
      ts: "1700000000.123456",
    }),
    bot,
    "default",
  );
  assert.deepEqual(msg, {
    channel: "slack",
    accountId: "default",
    key: "D123:1700000000.123456",
    chatType: "direct",
    chatId: "D123",
    teamId: "T1",
    messageId: "1700000000.123456",
    sender: { id: "U42" },
    text: "is 1 < 2 && 3 > 2?",
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: 1_700_000_000_123,
  });
});

test("channel mentions, app_mention, thread replies to the bot and group DMs are translated", () => {
  const mention = translateEvent(
    callback({
      type: "message",
      channel: "C9",
      channel_type: "channel",
      user: "U42",
      text: "<@U0BOT> hi",
      ts: "1.1",
    }),
    bot,
    "default",
  );
  assert.equal(mention?.chatType, "channel");
  assert.equal(mention?.mentionsBot, true);
  assert.equal(mention?.threadId, undefined);
  assert.equal(mention?.text, "@claw hi", "the bot's own mention reads as its name");
  const appMention = translateEvent(
    callback({ type: "app_mention", channel: "C9", user: "U42", text: "hey <@U0BOT|claw>", ts: "1.1" }),
    bot,
    "default",
  );
  assert.equal(appMention?.key, mention?.key, "the message and app_mention events of one post share a key");
  assert.equal(appMention?.mentionsBot, true);
  const other = translateEvent(
    callback({
      type: "message",
      channel: "C9",
      channel_type: "channel",
      user: "U42",
      text: "<@U777> hi",
      ts: "1.2",
    }),
    bot,
    "default",
  );
  assert.equal(other?.mentionsBot, false);
  const reply = translateEvent(
    callback({
      type: "message",
      channel: "C9",
      channel_type: "channel",
      user: "U42",
      text: "and then?",
      ts: "2.0",
      thread_ts: "1.5",
      parent_user_id: "U0BOT",
    }),
    bot,
    "default",
  );
  assert.equal(reply?.threadId, "1.5");
  assert.equal(reply?.repliesToBot, true);
  const mpim = translateEvent(
    callback({ type: "message", channel: "G5", channel_type: "mpim", user: "U42", text: "yo", ts: "3.0" }),
    bot,
    "default",
  );
  assert.equal(mpim?.chatType, "group");
  const privateChannel = translateEvent(
    callback({ type: "message", channel: "G6", channel_type: "group", user: "U42", text: "yo", ts: "3.0" }),
    bot,
    "default",
  );
  assert.equal(privateChannel?.chatType, "channel");
});

test("the bot's own posts, other bots, edits and joins are not messages to handle", () => {
  const base = { type: "message", channel: "C9", channel_type: "channel", text: "x", ts: "1.0" };
  assert.equal(translateEvent(callback({ ...base, user: "U0BOT", bot_id: "B0BOT" }), bot, "a"), undefined);
  assert.equal(
    translateEvent(callback({ ...base, subtype: "bot_message", bot_id: "B9" }), bot, "a"),
    undefined,
  );
  assert.equal(translateEvent(callback({ ...base, user: "U5", bot_id: "B9" }), bot, "a"), undefined);
  const allowBots = { allowBots: true };
  assert.equal(
    translateEvent(callback({ ...base, subtype: "bot_message", bot_id: "B9" }), bot, "a", allowBots)?.sender
      .id,
    "B9",
  );
  assert.equal(
    translateEvent(callback({ ...base, subtype: "bot_message", bot_id: "B0BOT" }), bot, "a", allowBots),
    undefined,
    "never the bot's own",
  );
  assert.equal(
    translateEvent(callback({ ...base, user: "U5", bot_id: "B9" }), bot, "a", { allowBots: true })?.sender.id,
    "U5",
  );
  assert.equal(
    translateEvent(callback({ ...base, user: "U5", subtype: "message_changed" }), bot, "a"),
    undefined,
  );
  assert.equal(
    translateEvent(callback({ ...base, user: "U5", subtype: "channel_join" }), bot, "a"),
    undefined,
  );
  assert.equal(
    translateEvent(callback({ ...base, user: "U5", subtype: "thread_broadcast" }), bot, "a")?.sender.id,
    "U5",
  );
  assert.equal(translateEvent(callback({ type: "reaction_added", user: "U5" }), bot, "a"), undefined);
});

test("markdown becomes mrkdwn: bold, italics, links, headings, lists; & < > escaped, code kept", () => {
  assert.equal(
    markdownToMrkdwn("**bold** and *it* and __b2__ and _i2_"),
    "*bold* and _it_ and *b2* and _i2_",
  );
  assert.equal(
    markdownToMrkdwn("see [the docs](https://x.io/a?b=1&c=2)"),
    "see <https://x.io/a?b=1&c=2|the docs>",
  );
  assert.equal(markdownToMrkdwn("<https://x.io>"), "<https://x.io>");
  assert.equal(markdownToMrkdwn("a & b < c > d"), "a &amp; b &lt; c &gt; d");
  assert.equal(markdownToMrkdwn("ping <@U42> in <#C1> <!here>"), "ping <@U42> in <#C1> <!here>");
  assert.equal(markdownToMrkdwn("# Title\n- one\n* two"), "*Title*\n• one\n• two");
  assert.equal(markdownToMrkdwn("~~gone~~"), "~gone~");
  assert.equal(markdownToMrkdwn("use `a**b** <x>` here"), "use `a**b** &lt;x&gt;` here");
  assert.equal(
    markdownToMrkdwn("```ts\nconst a = b && c; // **not bold**\n```"),
    "```\nconst a = b &amp;&amp; c; // **not bold**\n```",
  );
  assert.equal(markdownToMrkdwn("2 * 3 * 4"), "2 * 3 * 4", "a lone star is arithmetic, not emphasis");
});

function msgIn(chatType: InboundMessage["chatType"], chatId: string): InboundMessage {
  return {
    channel: "slack",
    accountId: "default",
    key: "k",
    chatType,
    chatId,
    messageId: "1",
    sender: { id: "U42" },
    text: "x",
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: 0,
  };
}

test("groupEntries: listed channels admit their members, users narrow it, group DMs need dm.groupEnabled", () => {
  const account = {
    requireMention: false,
    channels: { C1: { allow: true }, C2: { users: ["U7"], requireMention: true }, C3: { enabled: false } },
  };
  assert.deepEqual(slackGroupEntries(account, msgIn("channel", "C1"))?.["C1"], {
    enabled: undefined,
    allow: true,
    requireMention: false,
    groupPolicy: undefined,
    allowFrom: ["*"],
  });
  assert.deepEqual(slackGroupEntries(account, msgIn("channel", "C2"))?.["C2"]?.allowFrom, ["U7"]);
  assert.equal(slackGroupEntries(account, msgIn("channel", "C2"))?.["C2"]?.requireMention, true);
  assert.equal(
    slackGroupEntries({ ...account, groupAllowFrom: ["U9"] }, msgIn("channel", "C1"))?.["C1"]?.allowFrom,
    undefined,
    "groupAllowFrom applies when the channel names no users",
  );
  assert.equal(slackGroupEntries({}, msgIn("channel", "C1")), undefined);
  assert.deepEqual(slackGroupEntries({}, msgIn("group", "G1")), {});
  assert.deepEqual(slackGroupEntries({ dm: { groupEnabled: true } }, msgIn("group", "G1")), {
    "*": { allowFrom: ["*"] },
  });
  assert.deepEqual(
    Object.keys(
      slackGroupEntries({ dm: { groupEnabled: true, groupChannels: ["G1"] } }, msgIn("group", "G1")) ?? {},
    ),
    ["G1"],
  );
});

test("credentials: config, env references, SLACK_* for the default account only, per mode", () => {
  const env = { SLACK_BOT_TOKEN: "xoxb-env", SLACK_APP_TOKEN: "xapp-env", MY_BOT: "xoxb-ref" };
  assert.deepEqual(resolveSlackCredentials({ botToken: "xoxb-c", appToken: "xapp-c" }, "default", env), {
    mode: "socket",
    botToken: "xoxb-c",
    botTokenSource: "config",
    appToken: "xapp-c",
    appTokenSource: "config",
  });
  const fromEnv = resolveSlackCredentials({}, "default", env);
  assert.equal(fromEnv.botToken, "xoxb-env");
  assert.equal(fromEnv.appToken, "xapp-env");
  assert.equal(fromEnv.botTokenSource, "env");
  assert.equal(
    resolveSlackCredentials({ botToken: { source: "env", id: "MY_BOT" } }, "default", env).botToken,
    "xoxb-ref",
  );
  assert.throws(
    () => resolveSlackCredentials({}, "work", env),
    SlackTokenError,
    "named accounts get no env fallback",
  );
  assert.throws(() => resolveSlackCredentials({ botToken: "xoxb-c" }, "work", env), /appToken/);
  assert.throws(
    () => resolveSlackCredentials({ botToken: { source: "env", id: "NOPE" } }, "default", env),
    /NOPE/,
  );
  assert.throws(
    () => resolveSlackCredentials({ mode: "http", botToken: "xoxb-c" }, "default", env),
    /signingSecret/,
  );
  assert.equal(
    resolveSlackCredentials({ mode: "http", botToken: "xoxb-c", signingSecret: "s" }, "default", env)
      .signingSecret,
    "s",
  );
  assert.equal(
    resolveApiUrl({ apiUrl: "http://127.0.0.1:9/api" }, { SLACK_API_URL: "http://other/api/" }),
    "http://127.0.0.1:9/api/",
  );
  assert.equal(resolveApiUrl({}, { SLACK_API_URL: "http://other/api/" }), "http://other/api/");
  assert.equal(resolveApiUrl({}, {}), undefined);
});

function signed(body: string, secret: string, nowS: number, contentType = "application/json") {
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${nowS}:${body}`).digest("hex")}`;
  return {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-signature": signature,
      "x-slack-request-timestamp": String(nowS),
    },
    body,
  };
}

test("HTTP events: signed requests only; url_verification answered; an event acknowledged once recorded", async () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const nowS = 1_700_000_000;
  const events: unknown[] = [];
  let recordOk = true;
  const opts = {
    signingSecret: secret,
    nowMs: nowS * 1000,
    onEvent: async (payload: unknown) => {
      events.push(payload);
      return recordOk;
    },
  };
  const challenge = JSON.stringify({ type: "url_verification", token: "t", challenge: "abc123" });
  const ok = await answerSlackRequest(signed(challenge, secret, nowS), opts);
  assert.deepEqual([ok.status, JSON.parse(ok.body)], [200, { challenge: "abc123" }]);

  const forged = await answerSlackRequest(signed(challenge, "another-secret", nowS), opts);
  assert.equal(forged.status, 401);
  const stale = await answerSlackRequest(signed(challenge, secret, nowS - 600), opts);
  assert.equal(stale.status, 401, "older than five minutes: a replay");
  const tampered = signed(challenge, secret, nowS);
  assert.equal((await answerSlackRequest({ ...tampered, body: `${challenge} ` }, opts)).status, 401);
  assert.equal((await answerSlackRequest({ ...tampered, method: "GET" }, opts)).status, 405);

  const event = JSON.stringify(
    callback({ type: "message", channel: "D1", user: "U1", text: "hi", ts: "1.0" }),
  );
  assert.equal((await answerSlackRequest(signed(event, secret, nowS), opts)).status, 200);
  assert.equal(events.length, 1);
  recordOk = false;
  assert.equal(
    (await answerSlackRequest(signed(event, secret, nowS), opts)).status,
    503,
    "not recorded: Slack must retry",
  );
  const command = "command=%2Fclaw&text=hi";
  const form = await answerSlackRequest(
    signed(command, secret, nowS, "application/x-www-form-urlencoded"),
    opts,
  );
  assert.equal(form.status, 200);
  assert.equal(events.length, 2, "slash commands are acknowledged, not handled");
});

// --- the adapter against the fake Slack ---------------------------------------------------

interface Running {
  adapter: ChannelAdapter;
  received: InboundMessage[];
  stop(): Promise<void>;
}

async function runAdapter(
  slack: FakeSlack,
  receive: (msgs: InboundMessage[]) => Promise<void>,
  config: Record<string, unknown> = {},
): Promise<Running> {
  const adapter = await createAdapter({
    accountId: "default",
    config: { botToken: slack.botToken, appToken: slack.appToken, apiUrl: slack.apiUrl, ...config },
    env: {},
    log: silentLogger,
  });
  const received: InboundMessage[] = [];
  const ctx: AdapterContext = {
    accountId: "default",
    log: silentLogger,
    receive: async (msgs) => {
      await receive(msgs);
      received.push(...msgs);
    },
  };
  const root = new AbortController();
  const done = adapter.run(ctx, root.signal);
  return {
    adapter,
    received,
    stop: async () => {
      root.abort();
      await done;
    },
  };
}

test("an envelope is acknowledged only after the message was recorded; a failed record is redelivered", async (t) => {
  const slack = await startFakeSlack();
  let entered!: () => void;
  const inReceive = new Promise<void>((r) => {
    entered = r;
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let calls = 0;
  const run = await runAdapter(slack, async () => {
    if (++calls > 1) return;
    entered();
    await gate;
    throw new Error("disk full");
  });
  t.after(async () => {
    await run.stop();
    await slack.close();
  });
  await slack.waitForConnections(1);
  const envelope = slack.userSends({ user: "U42", channel: "D1", text: "hello" }).envelopeIds[0]!;
  await inReceive;
  // Slack's hello came before the envelope on the same socket.
  assert.equal(run.adapter.status().state, "connected");
  assert.equal(run.adapter.status().bot?.id, slack.botUserId);
  assert.equal(slack.acked.has(envelope), false, "delivered, not yet recorded: no ack");
  release();
  // The record failed, so the envelope stays unacknowledged; the next connection redelivers it.
  slack.sendDisconnect("refresh_requested");
  await slack.waitForAck(envelope);
  assert.equal(slack.acked.get(envelope), 2, "acknowledged on the redelivery, not after the failed record");
  assert.deepEqual(
    run.received.map((m) => m.text),
    ["hello"],
  );
  assert.ok(slack.connections() >= 2, "reconnected after Slack's disconnect");
});

test("a dropped socket reconnects; replies go out as mrkdwn in the thread, after a 429's Retry-After", async (t) => {
  const slack = await startFakeSlack();
  const run = await runAdapter(slack, async () => undefined);
  t.after(async () => {
    await run.stop();
    await slack.close();
  });
  await slack.waitForConnections(1);
  slack.dropSockets();
  const sentIn = slack.userSends({ user: "U42", channel: "C1", channelType: "channel", text: "<@U0BOT> hi" });
  await slack.waitForAck(sentIn.envelopeIds[0]!);
  assert.equal(run.received[0]?.mentionsBot, true);
  slack.failNext("chat.postMessage", { kind: "ratelimited", retryAfterS: 1 });
  const ref = await run.adapter.send(
    { chatId: "C1", threadId: sentIn.ts },
    { type: "text", text: "**done** & [link](https://x.io)" },
    AbortSignal.timeout(30_000),
  );
  assert.equal(
    slack.calls.filter((c) => c.method === "chat.postMessage").length,
    2,
    "one refused, one posted",
  );
  const posted = slack.sent.at(-1)!;
  assert.equal(posted.ts, ref.messageId);
  assert.equal(posted.text, "*done* &amp; <https://x.io|link>");
  assert.equal(posted.threadTs, sentIn.ts);
});

test("a wrong app token stops the account with ChannelAuthError", async (t) => {
  const slack = await startFakeSlack();
  t.after(() => slack.close());
  const adapter = await createAdapter({
    accountId: "default",
    config: { botToken: slack.botToken, appToken: "xapp-wrong", apiUrl: slack.apiUrl },
    env: {},
    log: silentLogger,
  });
  const ctx: AdapterContext = { accountId: "default", log: silentLogger, receive: async () => undefined };
  await assert.rejects(adapter.run(ctx, AbortSignal.timeout(30_000)), ChannelAuthError);
  assert.equal(adapter.status().state, "error");
  assert.match(adapter.status().lastError ?? "", /invalid_auth/);
});
