import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { type FakeSlack, startFakeSlack } from "../fakes/slack.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { disposeGateway, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

function configFor(slack: FakeSlack, llm: FakeLlm, extra: Record<string, unknown> = {}) {
  return {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
    channels: {
      slack: { botToken: slack.botToken, appToken: slack.appToken, apiUrl: slack.apiUrl, ...extra },
    },
  };
}

async function setup(
  t: { after(fn: () => unknown): void },
  extra: Record<string, unknown> = {},
  reply = "ok",
): Promise<{ slack: FakeSlack; llm: FakeLlm; gw: SpawnedGateway }> {
  const slack = await startFakeSlack();
  const llm = await startFakeOpenAI({ reply });
  const gw = await spawnGateway({ config: configFor(slack, llm, extra) });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([slack.close(), llm.close()]);
  });
  await slack.waitForConnections(1);
  return { slack, llm, gw };
}

async function sessionKeys(gw: SpawnedGateway): Promise<string[]> {
  const file = path.join(gw.home.stateDir, "agents/main/sessions/sessions.json");
  return Object.keys(JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>);
}

test("an unknown DM gets only a pairing code; after approval the next DM gets the model's answer", async (t) => {
  const { slack, llm, gw } = await setup(t, {}, "Hello from the agent.");
  slack.userSends({ user: "U555", channel: "D555", text: "hi there" });
  const offer = await slack.nextBotMessage({ channel: "D555" });
  const code = /Pairing code: ([A-Z2-9]{8})/.exec(offer.text)?.[1];
  assert.ok(code, offer.text);
  assert.match(offer.text, /Your Slack user id: U555/);
  assert.match(offer.text, new RegExp(`openclaw pairing approve slack ${code}`));
  assert.equal(llm.requests.length, 0, "nothing reached the model");

  const list = await gw.cli(["pairing", "list", "slack", "--json"]);
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { requests: { id: string; code: string }[] };
  assert.deepEqual(
    listed.requests.map((r) => [r.id, r.code]),
    [["U555", code]],
  );
  const approve = await gw.cli(["pairing", "approve", "slack", code]);
  assert.equal(approve.code, 0, approve.stderr);
  assert.equal(approve.stdout, "Approved slack sender U555.\n");

  slack.userSends({ user: "U555", channel: "D555", text: "What is a heron?" });
  const answer = await slack.nextBotMessage({ channel: "D555" });
  assert.equal(answer.text, "Hello from the agent.");
  assert.match(llm.lastRequestText(), /What is a heron\?/);
  assert.doesNotMatch(llm.lastRequestText(), /hi there/, "the message sent before pairing was not processed");
  assert.equal(
    slack.sent.filter((m) => m.channel === "D555").length,
    2,
    "the bot's own posts, echoed back by Slack, got no answer",
  );
});

test("a channel message needs a mention; the answer lands in the channel, a thread reply in the thread", async (t) => {
  const { slack, llm, gw } = await setup(t, { channels: { C100: { allow: true } } }, "Answer **here**.");
  slack.userSends({ user: "U42", channel: "C100", text: "anyone around?" });
  await gw.waitForOutput(/inbound message blocked: no mention/);
  slack.userSends({
    user: "U42",
    channel: "C300",
    text: `<@${slack.botUserId}> over here?`,
    withAppMention: true,
  });
  await gw.waitForOutput(/inbound message blocked: group not in channels groups/);

  const asked = slack.userSends({
    user: "U42",
    channel: "C100",
    text: `<@${slack.botUserId}> what is the tide today?`,
    withAppMention: true,
  });
  const sent = await slack.nextBotMessage({ channel: "C100" });
  assert.equal(sent.text, "Answer *here*.", "markdown went out as mrkdwn");
  assert.equal(sent.threadTs, undefined, "a top-level question gets a top-level answer");
  assert.equal(llm.requests.length, 1, "message and app_mention of one post make one turn");
  assert.doesNotMatch(llm.lastRequestText(), /anyone around|over here/);
  assert.ok(slack.acked.size >= asked.envelopeIds.length);

  // A reply in the thread under the bot's answer is an implicit mention and is answered there.
  llm.enqueue({ kind: "text", text: "In the thread." });
  slack.userSends({ user: "U42", channel: "C100", text: "and tomorrow?", threadTs: sent.ts });
  const inThread = await slack.nextBotMessage({ channel: "C100" });
  assert.equal(inThread.text, "In the thread.");
  assert.equal(inThread.threadTs, sent.ts);
  const keys = await sessionKeys(gw);
  assert.ok(keys.includes("agent:main:slack:channel:c100"), keys.join(", "));
  // reference-agent §5.4: a thread reply's session is the channel's key plus `:thread:<threadTs>`.
  assert.ok(
    keys.includes(`agent:main:slack:channel:c100:thread:${sent.ts}`),
    `the thread is its own session: ${keys.join(", ")}`,
  );
  assert.equal(keys.includes("agent:main:main"), false, "the channel did not write to the DM session");
});

test("a long answer arrives in chunks within Slack's limit, split at paragraphs", async (t) => {
  const paragraph = (n: number) => `Paragraph ${n}. ${"The heron waits in the reeds. ".repeat(60).trim()}`;
  const long = Array.from({ length: 6 }, (_, i) => paragraph(i + 1)).join("\n\n");
  assert.ok(long.length > 9000);
  const { slack } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["slack:U42"] }, long);
  slack.userSends({ user: "U42", channel: "D42", text: "tell me a long story" });
  const parts: string[] = [];
  while (parts.join("\n\n").length < long.length)
    parts.push((await slack.nextBotMessage({ channel: "D42" })).text);
  assert.ok(parts.length >= 3, `${parts.length} parts`);
  for (const p of parts) assert.ok(p.length <= 4000, `part of ${p.length} chars`);
  assert.equal(parts.join("\n\n"), long, "cut only at paragraph breaks, nothing lost");
});

test("a dropped socket and Slack's disconnect are survived without losing a message; status shows it", async (t) => {
  const { slack, gw } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["user:U42"] }, "still here");
  slack.dropSockets();
  // Sent while no socket is open: Slack holds it and delivers it on the next connection.
  slack.userSends({ user: "U42", channel: "D42", text: "are you there?" });
  assert.equal((await slack.nextBotMessage({ channel: "D42" })).text, "still here");
  slack.sendDisconnect("refresh_requested");
  await slack.waitForConnections(3);
  slack.userSends({ user: "U42", channel: "D42", text: "and now?" });
  assert.equal((await slack.nextBotMessage({ channel: "D42" })).text, "still here");

  const r = await gw.cli(["channels", "status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as {
    channelOrder: string[];
    channelAccounts: {
      slack: { accountId: string; state: string; connected: boolean; mode: string; bot?: { id: string } }[];
    };
  };
  assert.ok(snap.channelOrder.includes("slack"));
  const account = snap.channelAccounts.slack[0]!;
  assert.equal(account.accountId, "default");
  assert.equal(account.connected, true);
  assert.equal(account.state, "connected");
  assert.equal(account.mode, "socket");
  assert.equal(account.bot?.id, slack.botUserId);
  assert.equal(r.stdout.includes(slack.botToken), false, "the token is never shown");
  const human = await gw.cli(["channels", "status"]);
  assert.match(human.stdout, /slack default @claw: connected/);
});

test("kill -9 after a DM is recorded and before it is answered: after restart it is answered exactly once", async (t) => {
  const slack = await startFakeSlack();
  const llm = await startFakeOpenAI();
  llm.enqueue({ kind: "hang" });
  const first = await spawnGateway({
    config: configFor(slack, llm, { dmPolicy: "allowlist", allowFrom: ["U42"] }),
  });
  let second: SpawnedGateway | undefined;
  t.after(async () => {
    await first.kill9();
    await second?.stop();
    await first.home.cleanup();
    await Promise.all([slack.close(), llm.close()]);
  });
  await slack.waitForConnections(1);
  const { envelopeIds } = slack.userSends({ user: "U42", channel: "D42", text: "remember the heron" });
  await slack.waitForAck(envelopeIds[0]!); // recorded, so acknowledged
  await llm.nextRequest(); // and its run is waiting on the model
  await first.kill9();
  const inbox = await readFile(path.join(first.home.stateDir, "channels/slack/default/inbox.jsonl"), "utf8");
  assert.match(inbox, /remember the heron/);

  llm.enqueue({ kind: "text", text: "The heron is remembered." }, { kind: "text", text: "Second answer." });
  second = await spawnGateway({ home: first.home });
  assert.equal((await slack.nextBotMessage({ channel: "D42" })).text, "The heron is remembered.");
  slack.userSends({ user: "U42", channel: "D42", text: "and now?" });
  assert.equal((await slack.nextBotMessage({ channel: "D42" })).text, "Second answer.");
  assert.deepEqual(
    slack.sent.filter((m) => m.channel === "D42").map((m) => m.text),
    ["The heron is remembered.", "Second answer."],
    "answered exactly once",
  );
});

test("two Slack apps run side by side; a teamId binding routes one workspace to its own agent", async (t) => {
  const home = await startFakeSlack({ botUserId: "U0HOME", botName: "home" });
  const work = await startFakeSlack({
    botUserId: "U0WORK",
    botName: "work",
    botToken: "xoxb-work",
    appToken: "xapp-work",
    teamId: "T0WORK",
  });
  const llm = await startFakeOpenAI({ reply: "hello" });
  const base = configFor(home, llm);
  const gw = await spawnGateway({
    config: {
      ...base,
      models: {
        providers: {
          fake: {
            ...base.models.providers.fake,
            models: [
              { id: "m1", name: "Fake M1" },
              { id: "m2", name: "Fake M2" },
            ],
          },
        },
      },
      agents: {
        defaults: { model: { primary: "fake/m1" } },
        list: [{ id: "main" }, { id: "work", model: "fake/m2" }],
      },
      // SL-2: the match key is the Slack workspace, whichever account receives it.
      bindings: [{ agentId: "work", match: { channel: "slack", accountId: "*", teamId: "T0WORK" } }],
      channels: {
        slack: {
          dmPolicy: "allowlist",
          allowFrom: ["U42"],
          accounts: {
            default: {},
            work: { botToken: work.botToken, appToken: work.appToken, apiUrl: work.apiUrl },
          },
        },
      },
    },
    env: { SLACK_BOT_TOKEN: home.botToken, SLACK_APP_TOKEN: home.appToken, SLACK_API_URL: home.apiUrl },
  });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([home.close(), work.close(), llm.close()]);
  });
  await Promise.all([home.waitForConnections(1), work.waitForConnections(1)]);
  home.userSends({ user: "U42", channel: "D1", text: "via home" });
  assert.equal((await home.nextBotMessage({ channel: "D1" })).text, "hello");
  assert.equal((await llm.nextRequest()).body.model, "m1", "the default agent answers the home workspace");
  work.userSends({ user: "U42", channel: "D2", text: "via work" });
  assert.equal((await work.nextBotMessage({ channel: "D2" })).text, "hello");
  assert.equal((await llm.nextRequest()).body.model, "m2", "the work agent answers the bound workspace");
  assert.equal(home.sent.length, 1, "each app answers only its own conversations");
  assert.equal(work.sent.length, 1);
  const workStore = path.join(gw.home.stateDir, "agents/work/sessions/sessions.json");
  assert.ok("agent:work:main" in JSON.parse(await readFile(workStore, "utf8")));

  const r = await gw.cli(["channels", "status", "--json"]);
  const accounts = (
    JSON.parse(r.stdout) as { channelAccounts: { slack: { accountId: string; tokenSource: string }[] } }
  ).channelAccounts.slack;
  assert.deepEqual(
    accounts.map((a) => [a.accountId, a.tokenSource]),
    [
      ["default", "env"],
      ["work", "config"],
    ],
  );
});
