import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayMessageCreateDispatchData } from "discord-api-types/v10";
import type { AdapterContext, ChannelAdapter, InboundMessage } from "../../src/channels/adapter.ts";
import { createAdapter } from "../../src/channels/discord/adapter.ts";
import { discordGroupEntries } from "../../src/channels/discord/group-entries.ts";
import { createDiscordRest, type RateLimitNotice } from "../../src/channels/discord/rest.ts";
import { resolveApiEndpoint, resolveDiscordToken } from "../../src/channels/discord/token.ts";
import { translateMessage } from "../../src/channels/discord/translate.ts";
import { silentLogger } from "../../src/infra/logger.ts";
import { decideGroup } from "../../src/routing/access/group-policy.ts";
import { startFakeDiscord } from "../fakes/discord.ts";

const bot = { id: "900", username: "claw_bot" };
const noBots = { allowBots: false as const };

function message(over: Partial<GatewayMessageCreateDispatchData> = {}): GatewayMessageCreateDispatchData {
  return {
    id: "1300",
    type: 0,
    channel_id: "500",
    author: { id: "42", username: "ann", discriminator: "0", global_name: "Ann", avatar: null },
    content: "hi",
    timestamp: "2026-02-01T10:00:00.000Z",
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    ...over,
  } as GatewayMessageCreateDispatchData;
}

test("a DM becomes a direct InboundMessage keyed by the message id", () => {
  assert.deepEqual(translateMessage(message(), bot, "default", undefined, noBots), {
    channel: "discord",
    accountId: "default",
    key: "1300",
    chatType: "direct",
    chatId: "500",
    messageId: "1300",
    sender: { id: "42", username: "ann", firstName: "Ann" },
    text: "hi",
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: Date.parse("2026-02-01T10:00:00.000Z"),
  });
});

test("guild messages: channel chat, guild id, <@bot> mention, reply to the bot, threads under their parent", () => {
  const botUser = { id: "900", username: "claw_bot", discriminator: "0", global_name: null, avatar: null };
  const mentioned = translateMessage(
    message({ guild_id: "77", content: "<@900> tide?", mentions: [botUser] }),
    bot,
    "default",
    {},
    noBots,
  );
  assert.equal(mentioned?.chatType, "channel");
  assert.equal(mentioned?.chatId, "500");
  assert.equal(mentioned?.guildId, "77");
  assert.equal(mentioned?.mentionsBot, true);
  assert.equal(mentioned?.text, "@claw_bot tide?", "mentions read as names");
  assert.equal(mentioned?.threadId, undefined);
  const other = translateMessage(
    message({ guild_id: "77", mentions: [{ ...botUser, id: "901" }] }),
    bot,
    "default",
    {},
    noBots,
  );
  assert.equal(other?.mentionsBot, false);
  const reply = translateMessage(
    message({
      guild_id: "77",
      type: 19,
      referenced_message: { ...message({ id: "1200", author: { ...botUser, bot: true } }) },
    } as Partial<GatewayMessageCreateDispatchData>),
    bot,
    "default",
    {},
    noBots,
  );
  assert.equal(reply?.repliesToBot, true);
  const inThread = translateMessage(
    message({ guild_id: "77", channel_id: "600" }),
    bot,
    "default",
    { threadParentId: "500" },
    noBots,
  );
  assert.equal(inThread?.chatId, "500", "the parent channel's settings and session base");
  assert.equal(inThread?.threadId, "600", "answered in the thread");
});

test("own messages, other bots (unless allowBots), system messages, group DMs and empty text are not handled", () => {
  const fromBot = message({
    author: {
      id: "55",
      username: "otherbot",
      discriminator: "0",
      global_name: null,
      avatar: null,
      bot: true,
    },
  });
  assert.equal(
    translateMessage(message({ author: { ...fromBot.author, id: "900" } }), bot, "d", undefined, {
      allowBots: true,
    }),
    undefined,
  );
  assert.equal(translateMessage(fromBot, bot, "d", undefined, noBots), undefined);
  assert.equal(translateMessage(fromBot, bot, "d", undefined, { allowBots: "mentions" }), undefined);
  assert.ok(translateMessage(fromBot, bot, "d", undefined, { allowBots: true }));
  const mentioning = { ...fromBot, mentions: [{ ...fromBot.author, id: "900" }] };
  assert.ok(translateMessage(mentioning, bot, "d", undefined, { allowBots: "mentions" }));
  assert.equal(translateMessage(message({ type: 7 }), bot, "d", undefined, noBots), undefined, "member join");
  assert.equal(translateMessage(message({ guild_id: "77", content: "" }), bot, "d", {}, noBots), undefined);
  assert.equal(translateMessage(message(), bot, "d", { isGroupDm: true }, noBots), undefined);
});

function guildMsg(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    channel: "discord",
    accountId: "default",
    key: "1",
    chatType: "channel",
    chatId: "500",
    guildId: "77",
    messageId: "1",
    sender: { id: "42", username: "ann" },
    text: "hi",
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: 0,
    ...over,
  };
}

function decide(account: Record<string, unknown>, msg: InboundMessage) {
  return decideGroup({
    policy: "allowlist",
    groups: discordGroupEntries(account, msg),
    groupAllowFrom: undefined,
    allowFrom: account["allowFrom"] as string[] | undefined,
    chatId: msg.chatId,
    sender: msg.sender,
    prefixes: ["discord:", "user:"],
  });
}

test("groupEntries flattens guilds.<id> and guilds.<id>.channels.<id> for the shared access check", () => {
  assert.equal(
    discordGroupEntries({}, guildMsg()),
    undefined,
    "no guilds key: the account's own keys decide",
  );
  assert.deepEqual(discordGroupEntries({ guilds: { "88": {} } }, guildMsg()), {}, "guild not listed");
  assert.deepEqual(discordGroupEntries({ guilds: { "77": {} } }, guildMsg()), {
    "*": { requireMention: true, allowFrom: ["*"] },
  });
  assert.deepEqual(
    discordGroupEntries({ guilds: { "*": { requireMention: false, users: ["42"] } } }, guildMsg()),
    {
      "*": { requireMention: false, allowFrom: ["42"] },
    },
  );
  const nested = {
    guilds: {
      "77": {
        requireMention: false,
        users: ["42"],
        channels: { "500": { requireMention: true }, "501": { allow: false }, "502": { users: ["user:43"] } },
      },
    },
  };
  assert.deepEqual(discordGroupEntries(nested, guildMsg()), {
    "500": { requireMention: true, allowFrom: ["42"] },
    "501": { requireMention: false, allowFrom: ["42"], allow: false },
    "502": { requireMention: false, allowFrom: ["user:43"] },
  });

  // Through the shared decision: what a guild member observes.
  assert.deepEqual(decide({ guilds: { "77": {} } }, guildMsg()), { type: "allow", requireMention: true });
  assert.equal(decide({ guilds: { "88": {} } }, guildMsg()).type, "drop");
  assert.deepEqual(decide(nested, guildMsg()), { type: "allow", requireMention: true });
  assert.equal(decide(nested, guildMsg({ chatId: "501" })).type, "drop", "allow: false");
  assert.equal(decide(nested, guildMsg({ chatId: "503" })).type, "drop", "unlisted channel");
  assert.equal(
    decide(nested, guildMsg({ chatId: "502" })).type,
    "drop",
    "42 is not among the channel's users",
  );
  assert.equal(decide(nested, guildMsg({ chatId: "502", sender: { id: "43" } })).type, "allow");
  assert.equal(
    decide({ guilds: { "77": { users: ["7"] } }, allowFrom: ["42"] }, guildMsg()).type,
    "drop",
    "the DM allowlist does not reach into a guild with its own users",
  );
  assert.equal(
    decide({ guilds: { "77": { roles: ["1234"] } } }, guildMsg()).type,
    "drop",
    "a role allowlist we cannot match yet stays closed",
  );
  assert.equal(decide({ guilds: { "77": { roles: ["1234"], users: ["42"] } } }, guildMsg()).type, "allow");
});

test("token: config literal (a pasted 'Bot ' prefix dropped), env SecretRef, DISCORD_BOT_TOKEN for the default account only", () => {
  assert.deepEqual(resolveDiscordToken({ token: "Bot abc.def" }, "default", {}), {
    token: "abc.def",
    source: "config",
  });
  assert.deepEqual(resolveDiscordToken({ token: { source: "env", id: "MY_DC" } }, "work", { MY_DC: "x1" }), {
    token: "x1",
    source: "env",
  });
  assert.throws(
    () => resolveDiscordToken({ token: { source: "env", id: "NOPE" } }, "default", {}),
    /did not resolve/,
  );
  assert.deepEqual(resolveDiscordToken({}, "default", { DISCORD_BOT_TOKEN: "envtok" }), {
    token: "envtok",
    source: "env",
  });
  assert.throws(
    () => resolveDiscordToken({}, "work", { DISCORD_BOT_TOKEN: "envtok" }),
    (err: Error) => err.name === "DiscordTokenError" && /account work/.test(err.message),
  );
});

test("endpoint: apiBaseUrl beats DISCORD_API_URL (versioned), which beats discord.com", () => {
  assert.deepEqual(resolveApiEndpoint({}, {}), { api: "https://discord.com/api", version: "10" });
  assert.deepEqual(resolveApiEndpoint({}, { DISCORD_API_URL: "http://127.0.0.1:9/api/v10/" }), {
    api: "http://127.0.0.1:9/api",
    version: "10",
  });
  assert.deepEqual(
    resolveApiEndpoint(
      { apiBaseUrl: "http://proxy.local/api/" },
      { DISCORD_API_URL: "http://127.0.0.1:9/api/v10" },
    ),
    { api: "http://proxy.local/api", version: "10" },
  );
});

test("a 429 is waited out for exactly the Retry-After Discord sent, then the message is delivered", async (t) => {
  const dc = await startFakeDiscord({ guilds: [{ id: "77", channels: [{ id: "500" }] }] });
  t.after(() => dc.close());
  const notices: RateLimitNotice[] = [];
  const rest = createDiscordRest(
    {
      endpoint: { api: dc.apiBaseUrl, version: "10" },
      timeoutMs: 10_000,
      retries: 0,
      maxRetryAfterMs: 60_000,
      onRateLimited: (n) => notices.push(n),
    },
    dc.token,
  );
  dc.failNext("createMessage", { kind: "rateLimit", retryAfterS: 1 });
  await rest.post("/channels/500/messages", { body: { content: "after the limit" } });
  // The 429's own Retry-After first; the bucket it emptied may report the rest of that same wait.
  assert.equal(notices[0]?.retryAfterMs, 1000);
  assert.ok(notices.every((n) => n.retryAfterMs <= 1000 && n.method === "POST"));
  assert.equal(
    dc.requests.filter((r) => r.route === "createMessage").length,
    2,
    "one refused, one delivered",
  );
  assert.deepEqual(
    dc.sent.map((m) => m.content),
    ["after the limit"],
  );

  const capped = createDiscordRest(
    {
      endpoint: { api: dc.apiBaseUrl, version: "10" },
      timeoutMs: 10_000,
      retries: 0,
      maxRetryAfterMs: 5000,
      onRateLimited: () => undefined,
    },
    dc.token,
  );
  dc.failNext("createMessage", { kind: "rateLimit", retryAfterS: 30 });
  await assert.rejects(capped.post("/channels/500/messages", { body: { content: "x" } }), (err: Error) =>
    err.name.startsWith("RateLimitError"),
  );
});

interface Running {
  adapter: ChannelAdapter;
  received: InboundMessage[];
  next(): Promise<InboundMessage>;
  stop(): Promise<void>;
}

async function runAdapter(
  config: Record<string, unknown>,
  opts: { refuseReceives?: number } = {},
): Promise<Running & { refused: number }> {
  const accountId = "default";
  const adapter = await createAdapter({ accountId, config, env: {}, log: silentLogger });
  const received: InboundMessage[] = [];
  const waiting: ((m: InboundMessage) => void)[] = [];
  let taken = 0;
  const state = { refused: 0 };
  const ctx: AdapterContext = {
    accountId,
    log: silentLogger,
    receive: async (messages) => {
      // A full disk, say: the inbox could not record them.
      if (state.refused < (opts.refuseReceives ?? 0)) {
        state.refused++;
        throw new Error("ENOSPC: no space left on device");
      }
      received.push(...messages);
      while (waiting.length > 0 && taken < received.length) waiting.shift()!(received[taken++]!);
    },
  };
  const stop = new AbortController();
  const done = adapter.run(ctx, stop.signal);
  return {
    adapter,
    received,
    get refused() {
      return state.refused;
    },
    next: () =>
      new Promise((resolve) => {
        if (taken < received.length) resolve(received[taken++]!);
        else waiting.push(resolve);
      }),
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}

test("the adapter connects through /gateway/bot, receives DMs and thread messages, and sends where they came from", async (t) => {
  const dc = await startFakeDiscord({
    guilds: [{ id: "77", channels: [{ id: "500" }], threads: [{ id: "600", parentId: "500" }] }],
  });
  const run = await runAdapter({ token: dc.token, apiBaseUrl: dc.apiBaseUrl });
  t.after(async () => {
    await run.stop();
    await dc.close();
  });
  await dc.waitForGateway("identify");
  const dmId = dc.userSendsDm({ userId: "42", text: "hello bot", username: "ann" });
  const dm = await run.next();
  assert.equal(dm.key, dmId);
  assert.equal(dm.chatType, "direct");
  assert.equal(dm.chatId, dc.dmChannelOf("42"));
  assert.equal(dm.sender.id, "42");
  assert.equal(run.adapter.status().state, "connected");
  assert.deepEqual(run.adapter.status().bot, { id: dc.botId, username: dc.botUsername });

  dc.userSendsInGuild({
    guildId: "77",
    channelId: "600",
    userId: "42",
    text: "in the thread",
    mentionBot: true,
  });
  const inThread = await run.next();
  assert.equal(inThread.chatId, "500");
  assert.equal(inThread.threadId, "600");
  assert.equal(inThread.guildId, "77");
  assert.equal(inThread.mentionsBot, true);

  dc.createThread({ guildId: "77", parentId: "500", id: "601" });
  dc.userSendsInGuild({ guildId: "77", channelId: "601", userId: "42", text: "a new thread" });
  assert.equal((await run.next()).threadId, "601");

  const ref = await run.adapter.send(
    { chatId: "500", threadId: "600" },
    { type: "text", text: "pong" },
    AbortSignal.timeout(10_000),
  );
  const sent = await dc.nextBotMessage({ channelId: "600" });
  assert.equal(sent.id, ref.messageId);
  assert.deepEqual(sent.body["allowed_mentions"], { parse: ["users"] });
  await run.adapter.sendTyping({ chatId: dm.chatId }, AbortSignal.timeout(10_000));
  assert.ok(dc.requests.some((r) => r.route === "typing" && r.path === `/channels/${dm.chatId}/typing`));
  assert.equal(
    run.received.some((m) => m.sender.id === dc.botId),
    false,
    "the bot's own messages, echoed by the gateway, are not received",
  );
});

test("a dropped socket is resumed and the events sent meanwhile are replayed", async (t) => {
  const dc = await startFakeDiscord({ heartbeatIntervalMs: 60_000 });
  const run = await runAdapter({ token: dc.token, apiBaseUrl: dc.apiBaseUrl });
  t.after(async () => {
    await run.stop();
    await dc.close();
  });
  await dc.waitForGateway("identify");
  dc.userSendsDm({ userId: "42", text: "one" });
  assert.equal((await run.next()).text, "one");
  dc.dropSocket();
  dc.userSendsDm({ userId: "42", text: "two, while away" });
  await dc.waitForGateway("resume");
  assert.equal((await run.next()).text, "two, while away");
  dc.invalidateSession();
  await dc.waitForGateway("identify", 2);
  dc.userSendsDm({ userId: "42", text: "three" });
  assert.equal((await run.next()).text, "three");
  assert.deepEqual(
    run.received.map((m) => m.text),
    ["one", "two, while away", "three"],
  );
});

test("a rejected token stops the adapter with ChannelAuthError", async (t) => {
  const dc = await startFakeDiscord();
  t.after(() => dc.close());
  const adapter = await createAdapter({
    accountId: "default",
    config: { token: "wrong", apiBaseUrl: dc.apiBaseUrl },
    env: {},
    log: silentLogger,
  });
  const ctx: AdapterContext = { accountId: "default", log: silentLogger, receive: async () => undefined };
  await assert.rejects(adapter.run(ctx, AbortSignal.timeout(20_000)), { name: "ChannelAuthError" });
  assert.equal(adapter.status().state, "error");
  assert.match(adapter.status().lastError ?? "", /401/);
});

test("a message the inbox refused is kept and recorded once the disk accepts it, in order", async (t) => {
  const dc = await startFakeDiscord();
  const run = await runAdapter({ token: dc.token, apiBaseUrl: dc.apiBaseUrl }, { refuseReceives: 1 });
  t.after(async () => {
    await run.stop();
    await dc.close();
  });
  await dc.waitForGateway("identify");
  dc.userSendsDm({ userId: "42", text: "first" });
  dc.userSendsDm({ userId: "42", text: "second" });
  assert.equal((await run.next()).text, "first");
  assert.equal((await run.next()).text, "second");
  assert.equal(run.refused, 1);
  assert.match(run.adapter.status().lastError ?? "", /cannot record an inbound message: ENOSPC/);
});

test("heartbeats are acknowledged: the session stays up without a resume", async (t) => {
  const dc = await startFakeDiscord({ heartbeatIntervalMs: 50 });
  const run = await runAdapter({ token: dc.token, apiBaseUrl: dc.apiBaseUrl });
  t.after(async () => {
    await run.stop();
    await dc.close();
  });
  await dc.waitForGateway("heartbeat", 5);
  assert.deepEqual(
    dc.gatewayOps.filter((op) => op !== "heartbeat"),
    ["identify"],
  );
  assert.equal(run.adapter.status().state, "connected");
});
