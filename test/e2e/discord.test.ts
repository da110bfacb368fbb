import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from "../fakes/discord.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

const GUILD = "770000000000000001";
const CHANNEL = "770000000000000500";
const THREAD = "770000000000000600";
const guildsOf = (): FakeDiscordOptions => ({
  guilds: [
    { id: GUILD, channels: [{ id: CHANNEL, name: "general" }], threads: [{ id: THREAD, parentId: CHANNEL }] },
  ],
});

function configFor(dc: FakeDiscord, llm: FakeLlm, discord: Record<string, unknown> = {}) {
  return {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
    channels: { discord: { token: dc.token, apiBaseUrl: dc.apiBaseUrl, ...discord } },
  };
}

async function setup(
  t: { after(fn: () => unknown): void },
  discord: Record<string, unknown> = {},
  reply = "ok",
  opts: { viaEnv?: boolean; extra?: Record<string, unknown> } = {},
): Promise<{ dc: FakeDiscord; llm: FakeLlm; gw: SpawnedGateway }> {
  const dc = await startFakeDiscord(guildsOf());
  const llm = await startFakeOpenAI({ reply });
  const config = { ...configFor(dc, llm, discord), ...opts.extra };
  // The default account's fallbacks: DISCORD_BOT_TOKEN, and DISCORD_API_URL (the versioned base).
  const env = opts.viaEnv
    ? { DISCORD_BOT_TOKEN: dc.token, DISCORD_API_URL: `${dc.apiBaseUrl}/v10` }
    : undefined;
  if (opts.viaEnv) config.channels.discord = { ...discord } as typeof config.channels.discord;
  const gw = await spawnGateway({ config, ...(env ? { env } : {}) });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([dc.close(), llm.close()]);
  });
  await dc.waitForGateway("identify");
  return { dc, llm, gw };
}

async function sessionKeys(gw: SpawnedGateway, agentId = "main"): Promise<string[]> {
  const file = path.join(gw.home.stateDir, `agents/${agentId}/sessions/sessions.json`);
  return Object.keys(JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>);
}

test("an unknown DM gets a pairing code; after approval the next DM gets the model's answer", async (t) => {
  const { dc, llm, gw } = await setup(t, {}, "Hello from Discord.");
  const dm = dc.dmChannelOf("555");
  dc.userSendsDm({ userId: "555", text: "hi there", username: "stranger" });
  const offer = await dc.nextBotMessage({ channelId: dm });
  const code = /Pairing code: ([A-Z2-9]{8})/.exec(offer.content)?.[1];
  assert.ok(code, offer.content);
  assert.match(offer.content, /Your Discord user id: 555/);
  assert.match(offer.content, new RegExp(`openclaw pairing approve discord ${code}`));
  assert.equal(llm.requests.length, 0, "nothing reached the model");

  const list = await gw.cli(["pairing", "list", "discord", "--json"]);
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { requests: { id: string; code: string }[] };
  assert.deepEqual(
    listed.requests.map((r) => [r.id, r.code]),
    [["555", code]],
  );
  const approve = await gw.cli(["pairing", "approve", "discord", code]);
  assert.equal(approve.code, 0, approve.stderr);
  assert.equal(approve.stdout, "Approved discord sender 555.\n");
  const allow = await readFile(
    path.join(gw.home.stateDir, "credentials/discord-default-allowFrom.json"),
    "utf8",
  );
  assert.deepEqual(JSON.parse(allow), { version: 1, allowFrom: ["555"] });

  dc.userSendsDm({ userId: "555", text: "What is a heron?", username: "stranger" });
  const answer = await dc.nextBotMessage({ channelId: dm });
  assert.equal(answer.content, "Hello from Discord.");
  assert.match(llm.lastRequestText(), /What is a heron\?/);
  assert.doesNotMatch(llm.lastRequestText(), /hi there/, "the message sent before pairing was not processed");
  assert.ok(
    dc.requests.some((r) => r.route === "typing" && r.path === `/channels/${dm}/typing`),
    "typing shown",
  );
  assert.deepEqual(
    dc.sent.filter((m) => m.channelId === dm).map((m) => m.content.slice(0, 9)),
    ["OpenClaw:", "Hello fro"],
    "one code, one answer; the bot's own echoed messages were not answered",
  );
});

test("a guild message needs a mention; answers land in the channel's session, a thread in its own", async (t) => {
  const { dc, llm, gw } = await setup(t, { guilds: { [GUILD]: {} } }, "Answer for the guild.");
  dc.userSendsInGuild({ guildId: GUILD, channelId: CHANNEL, userId: "42", text: "anyone around?" });
  await gw.waitForOutput(/inbound message blocked: no mention/);
  dc.userSendsInGuild({
    guildId: GUILD,
    channelId: CHANNEL,
    userId: "42",
    text: "what is the tide?",
    mentionBot: true,
  });
  const sent = await dc.nextBotMessage({ channelId: CHANNEL });
  assert.equal(sent.content, "Answer for the guild.");
  assert.equal(llm.requests.length, 1);
  assert.doesNotMatch(llm.lastRequestText(), /anyone around/);
  assert.match(
    llm.lastRequestText(),
    new RegExp(`@${dc.botUsername} what is the tide\\?`),
    "<@id> reads as a name",
  );
  const keys = await sessionKeys(gw);
  assert.ok(keys.includes(`agent:main:discord:channel:${CHANNEL}`), keys.join(", "));
  assert.equal(keys.includes("agent:main:main"), false, "the guild did not write to the DM session");

  dc.userSendsInGuild({
    guildId: GUILD,
    channelId: THREAD,
    userId: "42",
    text: "and in here?",
    mentionBot: true,
  });
  const inThread = await dc.nextBotMessage({ channelId: THREAD });
  assert.equal(inThread.content, "Answer for the guild.");
  const after = await sessionKeys(gw);
  const threadKeys = after.filter((k) => k.startsWith(`agent:main:discord:channel:${CHANNEL}:`));
  // reference-agent §5.3: Discord threads append `:thread:<threadId>` to the channel's key.
  assert.deepEqual(threadKeys, [`agent:main:discord:channel:${CHANNEL}:thread:${THREAD}`], after.join(", "));
  // reference-gateway §4: a thread's transcript is `<sessionId>-topic-<threadId>.jsonl`.
  const store = JSON.parse(
    await readFile(path.join(gw.home.stateDir, "agents/main/sessions/sessions.json"), "utf8"),
  ) as Record<string, { sessionId: string; sessionFile: string }>;
  const threadEntry = store[`agent:main:discord:channel:${CHANNEL}:thread:${THREAD}`]!;
  assert.equal(path.basename(threadEntry.sessionFile), `${threadEntry.sessionId}-topic-${THREAD}.jsonl`);
  await readFile(threadEntry.sessionFile, "utf8"); // and the turn was written there

  dc.userSendsInGuild({
    guildId: "999",
    channelId: CHANNEL,
    userId: "42",
    text: "other guild",
    mentionBot: true,
  });
  await gw.waitForOutput(/inbound message blocked: group not in channels groups/);
});

test("a binding on the guild id sends the guild's messages to its agent (DC-3)", async (t) => {
  const extra = {
    bindings: [{ agentId: "work", match: { channel: "discord", guildId: GUILD } }],
  };
  const { dc, gw } = await setup(t, { guilds: { [GUILD]: { requireMention: false } } }, "from work", {
    extra,
  });
  dc.userSendsInGuild({ guildId: GUILD, channelId: CHANNEL, userId: "42", text: "who answers here?" });
  assert.equal((await dc.nextBotMessage({ channelId: CHANNEL })).content, "from work");
  const keys = await sessionKeys(gw, "work");
  assert.ok(keys.includes(`agent:work:discord:channel:${CHANNEL}`), keys.join(", "));
});

test("a long answer arrives in messages of at most 2000 characters (token and API URL from the environment)", async (t) => {
  const paragraph = (n: number) => `Paragraph ${n}. ${"The heron waits in the reeds. ".repeat(25).trim()}`;
  const long = Array.from({ length: 8 }, (_, i) => paragraph(i + 1)).join("\n\n");
  assert.ok(long.length > 5000);
  const { dc } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["user:42"] }, long, { viaEnv: true });
  const dm = dc.dmChannelOf("42");
  dc.userSendsDm({ userId: "42", text: "tell me a long story" });
  const parts: string[] = [];
  while (parts.join("\n\n").length < long.length)
    parts.push((await dc.nextBotMessage({ channelId: dm })).content);
  assert.ok(parts.length >= 3, `${parts.length} parts`);
  for (const p of parts) assert.ok(p.length <= 2000, `part of ${p.length} chars`);
  assert.equal(parts.join("\n\n"), long);
});

test("a 429 on a send is waited out and the answer arrives once", async (t) => {
  const { dc, gw } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["42"] }, "after the limit");
  dc.failNext("createMessage", { kind: "rateLimit", retryAfterS: 1 });
  const dm = dc.dmChannelOf("42");
  dc.userSendsDm({ userId: "42", text: "hello" });
  const sent = await dc.nextBotMessage({ channelId: dm });
  assert.equal(sent.content, "after the limit");
  assert.equal(
    dc.requests.filter((r) => r.route === "createMessage").length,
    2,
    "one refused, one delivered",
  );
  assert.equal(dc.sent.length, 1);
  assert.match(gw.output(), /discord rate limit; waiting as asked .*retryAfterMs=1000 /);
});

test("after the socket drops the session is resumed and the message sent meanwhile is answered", async (t) => {
  const { dc, llm } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["42"] });
  llm.enqueue({ kind: "text", text: "first" }, { kind: "text", text: "second" });
  const dm = dc.dmChannelOf("42");
  dc.userSendsDm({ userId: "42", text: "one" });
  assert.equal((await dc.nextBotMessage({ channelId: dm })).content, "first");
  dc.dropSocket();
  dc.userSendsDm({ userId: "42", text: "sent while the bot was away" });
  await dc.waitForGateway("resume");
  assert.equal((await dc.nextBotMessage({ channelId: dm })).content, "second");
  assert.match(llm.lastRequestText(), /sent while the bot was away/);
  assert.equal(dc.sent.length, 2, "each message answered once");
});

test("channels status shows the Discord account connected; a bad token shows as an error", async (t) => {
  const { dc, gw } = await setup(t);
  await gw.waitForOutput(/discord gateway ready/);
  const r = await gw.cli(["channels", "status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as {
    channelOrder: string[];
    channelAccounts: {
      discord: {
        accountId: string;
        state: string;
        connected: boolean;
        bot?: { username?: string };
        tokenSource?: string;
      }[];
    };
  };
  assert.ok(snap.channelOrder.includes("discord"));
  const account = snap.channelAccounts.discord[0]!;
  assert.equal(account.accountId, "default");
  assert.equal(account.connected, true);
  assert.equal(account.state, "connected");
  assert.equal(account.bot?.username, dc.botUsername);
  assert.equal(account.tokenSource, "config");
  assert.equal(r.stdout.includes(dc.token), false, "the token is never shown");
  const human = await gw.cli(["channels", "status"]);
  assert.match(human.stdout, new RegExp(`discord default @${dc.botUsername}: connected`));

  const llm = await startFakeOpenAI();
  const bad = await spawnGateway({ config: configFor(dc, llm, { token: "wrong-token" }) });
  t.after(async () => {
    await disposeGateway(bad);
    await llm.close();
  });
  await bad.waitForOutput(/channel credentials rejected/);
  const badSnap = JSON.parse((await bad.cli(["channels", "status", "--json"])).stdout);
  assert.equal(badSnap.channelAccounts.discord[0].state, "error");
  assert.match(badSnap.channelAccounts.discord[0].lastError, /401/);
});

test("kill -9 after a DM is recorded and before it is answered: after restart it is answered exactly once", async (t) => {
  const dc = await startFakeDiscord();
  const llm = await startFakeOpenAI();
  llm.enqueue({ kind: "hang" });
  const first = await spawnGateway({
    config: configFor(dc, llm, { dmPolicy: "allowlist", allowFrom: ["42"] }),
  });
  let second: SpawnedGateway | undefined;
  t.after(async () => {
    await first.kill9();
    await second?.stop();
    await first.home.cleanup();
    await Promise.all([dc.close(), llm.close()]);
  });
  await dc.waitForGateway("identify");
  const dm = dc.dmChannelOf("42");
  dc.userSendsDm({ userId: "42", text: "remember the heron" });
  await llm.nextRequest(); // recorded, and its run is waiting on the model
  await first.kill9();
  const inbox = await readFile(
    path.join(first.home.stateDir, "channels/discord/default/inbox.jsonl"),
    "utf8",
  );
  assert.match(inbox, /remember the heron/);

  llm.enqueue({ kind: "text", text: "The heron is remembered." }, { kind: "text", text: "Second answer." });
  second = await spawnGateway({ home: first.home });
  const answer = await dc.nextBotMessage({ channelId: dm });
  assert.equal(answer.content, "The heron is remembered.");
  await dc.waitForGateway("identify", 2);
  dc.userSendsDm({ userId: "42", text: "and now?" });
  assert.equal((await dc.nextBotMessage({ channelId: dm })).content, "Second answer.");
  assert.deepEqual(
    dc.sent.filter((m) => m.channelId === dm).map((m) => m.content),
    ["The heron is remembered.", "Second answer."],
    "answered exactly once",
  );
});
