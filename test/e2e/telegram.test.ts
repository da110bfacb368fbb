import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { disposeGateway, FIXTURE_STATE, type SpawnedGateway, spawnGateway } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

function configFor(tg: FakeTelegram, llm: FakeLlm, telegram: Record<string, unknown> = {}) {
  return {
    ...fakeModelConfig(llm.baseUrl, { apiKey: "sk-test-key", models: [{ id: "m1", name: "Fake M1" }] }),
    channels: { telegram: { botToken: tg.token, apiRoot: tg.apiRoot, ...telegram } },
  };
}

async function setup(
  t: { after(fn: () => unknown): void },
  telegram: Record<string, unknown> = {},
  reply = "ok",
): Promise<{ tg: FakeTelegram; llm: FakeLlm; gw: SpawnedGateway }> {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI({ reply });
  const gw = await spawnGateway({ config: configFor(tg, llm, telegram) });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([tg.close(), llm.close()]);
  });
  return { tg, llm, gw };
}

test("an unknown DM gets a pairing code; after approval the next DM gets the model's answer", async (t) => {
  const { tg, llm, gw } = await setup(t, {}, "Hello, new friend.");
  tg.userSends({ fromId: 555, chatId: 555, text: "/start", username: "stranger", firstName: "Sam" });
  await gw.waitForOutput(/inbound message blocked: command from an unknown sender/);
  tg.userSends({ fromId: 555, chatId: 555, text: "hi there", username: "stranger", firstName: "Sam" });
  const offer = await tg.nextBotMessage({ chatId: 555 });
  const code = /Pairing code: ([A-Z2-9]{8})/.exec(offer.text)?.[1];
  assert.ok(code, offer.text);
  assert.match(offer.text, /Your Telegram user id: 555/);
  assert.match(offer.text, new RegExp(`openclaw pairing approve telegram ${code}`));
  assert.equal(offer.text.split("\n")[0], "OpenClaw: access not configured.");
  assert.equal(tg.sent.length, 1, "one code, none for /start");
  assert.equal(llm.requests.length, 0, "nothing reached the model");

  const list = await gw.cli(["pairing", "list", "telegram", "--json"]);
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as {
    requests: { id: string; code: string; meta: Record<string, string> }[];
  };
  assert.equal(listed.requests.length, 1);
  assert.equal(listed.requests[0]?.code, code);
  assert.equal(listed.requests[0]?.id, "555");
  assert.equal(listed.requests[0]?.meta["accountId"], "default");
  // The pending file has the fixture's shape, key for key.
  const creds = path.join(gw.home.stateDir, "credentials");
  const fixturePairing = JSON.parse(
    await readFile(path.join(FIXTURE_STATE, "credentials/telegram-pairing.json"), "utf8"),
  );
  const ours = JSON.parse(await readFile(path.join(creds, "telegram-pairing.json"), "utf8"));
  assert.deepEqual(Object.keys(ours), Object.keys(fixturePairing));
  assert.deepEqual(Object.keys(ours.requests[0]), Object.keys(fixturePairing.requests[0]));

  const approve = await gw.cli(["pairing", "approve", "telegram", code.toLowerCase()]);
  assert.equal(approve.code, 0, approve.stderr);
  assert.equal(approve.stdout, "Approved telegram sender 555.\n");
  const allowText = await readFile(path.join(creds, "telegram-default-allowFrom.json"), "utf8");
  assert.deepEqual(JSON.parse(allowText), { version: 1, allowFrom: ["555"] });
  const fixtureAllow = await readFile(
    path.join(FIXTURE_STATE, "credentials/telegram-default-allowFrom.json"),
    "utf8",
  );
  assert.equal(allowText, fixtureAllow.replace("700100200", "555"), "same bytes as OpenClaw writes");

  tg.userSends({ fromId: 555, chatId: 555, text: "What is a heron?", username: "stranger" });
  const answer = await tg.nextBotMessage({ chatId: 555 });
  assert.equal(answer.text, "Hello, new friend.");
  assert.match(llm.lastRequestText(), /What is a heron\?/);
  assert.doesNotMatch(llm.lastRequestText(), /hi there/, "the message sent before pairing was not processed");
  const again = await gw.cli(["pairing", "list", "--json"]);
  assert.deepEqual(JSON.parse(again.stdout).requests, []);
  const unknown = await gw.cli(["pairing", "approve", "telegram", "ZZZZZZZZ"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No pending pairing request found for code: ZZZZZZZZ/);
});

test('dmPolicy "allowlist" answers the listed sender and ignores the others', async (t) => {
  const { tg, llm, gw } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["42"] }, "pong");
  tg.userSends({ fromId: 77, chatId: 77, text: "let me in" });
  await gw.waitForOutput(/inbound message blocked: sender not in allowFrom/);
  tg.userSends({ fromId: 42, chatId: 42, text: "ping" });
  const sent = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(sent.text, "pong");
  assert.equal(llm.requests.length, 1);
  assert.doesNotMatch(llm.lastRequestText(), /let me in/);
  assert.equal(
    tg.sent.filter((m) => m.chatId === 77).length,
    0,
    "no pairing code and no answer under allowlist",
  );
  assert.ok(
    tg.calls.some((c) => c.method === "sendChatAction" && c.params["action"] === "typing"),
    "typing shown",
  );
  assert.ok(
    tg.calls.some((c) => c.method === "setMyCommands"),
    "command menu registered",
  );
});

test("a group message needs a mention; the answer lands in the group's own session", async (t) => {
  const { tg, llm, gw } = await setup(t, { groupPolicy: "open" }, "Answer for the group.");
  tg.userSends({ fromId: 42, chatId: -100500, chatType: "supergroup", text: "anyone around?" });
  await gw.waitForOutput(/inbound message blocked: no mention/);
  tg.userSends({
    fromId: 42,
    chatId: -100500,
    chatType: "supergroup",
    text: `@${tg.botUsername} what is the tide today?`,
  });
  const sent = await tg.nextBotMessage({ chatId: -100500 });
  assert.equal(sent.text, "Answer for the group.");
  assert.equal(llm.requests.length, 1);
  assert.doesNotMatch(llm.lastRequestText(), /anyone around/);
  const store = JSON.parse(
    await readFile(path.join(gw.home.stateDir, "agents/main/sessions/sessions.json"), "utf8"),
  ) as Record<string, unknown>;
  assert.ok("agent:main:telegram:group:-100500" in store, Object.keys(store).join(", "));
  assert.equal("agent:main:main" in store, false, "the group did not write to the DM session");
});

test("a long answer arrives in chunks within Telegram's limit, split at paragraphs", async (t) => {
  const paragraph = (n: number) => `Paragraph ${n}. ${"The heron waits in the reeds. ".repeat(60).trim()}`;
  const long = Array.from({ length: 6 }, (_, i) => paragraph(i + 1)).join("\n\n");
  assert.ok(long.length > 9000);
  const { tg } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["42"] }, long);
  tg.userSends({ fromId: 42, chatId: 42, text: "tell me a long story" });
  const parts: string[] = [];
  while (parts.join("\n\n").length < long.length) parts.push((await tg.nextBotMessage({ chatId: 42 })).text);
  assert.ok(parts.length >= 3, `${parts.length} parts`);
  for (const p of parts) assert.ok(p.length <= 4096, `part of ${p.length} chars`);
  assert.equal(parts.join("\n\n"), long, "cut only at paragraph breaks, nothing lost");
});

test("markdown answers go out as Telegram HTML; markup Telegram refuses is resent as plain text", async (t) => {
  const reply = "The **heron** waits, see [notes](https://example.org/a_b) & `x<y`.";
  const { tg } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["42"] }, reply);
  tg.userSends({ fromId: 42, chatId: 42, text: "format?" });
  const html = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(html.params["parse_mode"], "HTML");
  assert.equal(
    html.raw,
    'The <b>heron</b> waits, see <a href="https://example.org/a_b">notes</a> &amp; <code>x&lt;y</code>.',
  );
  assert.equal(html.text, "The heron waits, see notes & x<y.");

  tg.failNext("sendMessage", {
    kind: "bad-request",
    description: "can't parse entities: Unsupported start tag",
  });
  tg.userSends({ fromId: 42, chatId: 42, text: "again" });
  const plain = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(plain.params["parse_mode"], undefined);
  assert.equal(plain.raw, reply, "the same answer, unformatted, rather than nothing");
});

test("a 429 with retry_after on sendMessage is retried and the answer arrives", async (t) => {
  const { tg } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["42"] }, "after the flood");
  tg.failNext("sendMessage", { kind: "flood", retryAfter: 1 });
  tg.userSends({ fromId: 42, chatId: 42, text: "hello" });
  const sent = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(sent.text, "after the flood");
  assert.equal(tg.calls.filter((c) => c.method === "sendMessage").length, 2, "one refused, one delivered");
  assert.equal(tg.sent.length, 1);
});

test("a bad bot token shows as an error in channels status while the gateway keeps serving", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI();
  const gw = await spawnGateway({ config: configFor(tg, llm, { botToken: "111:wrong-token" }) });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([tg.close(), llm.close()]);
  });
  await gw.waitForOutput(/channel credentials rejected/);
  const r = await gw.cli(["channels", "status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as {
    channelOrder: string[];
    channelAccounts: {
      telegram: { accountId: string; state: string; running: boolean; lastError?: string }[];
    };
  };
  assert.deepEqual(snap.channelOrder, ["telegram"]);
  const account = snap.channelAccounts.telegram[0]!;
  assert.equal(account.accountId, "default");
  assert.equal(account.state, "error");
  assert.equal(account.running, false);
  assert.match(account.lastError ?? "", /Unauthorized/);
  assert.equal(r.stdout.includes("wrong-token"), false, "the token is never shown");
  const client = await gw.connect();
  t.after(() => client.close());
  const health = await client.request<{ ok: boolean }>("health", {});
  assert.equal(health.ok, true);
  const human = await gw.cli(["channels", "status"]);
  assert.match(human.stdout, /telegram default: error/);
  const probed = await gw.cli(["channels", "status", "--probe"]);
  assert.match(probed.stdout, /probe: failed \(.*Unauthorized.*\), \d+ ms/);
});

test("channels status --probe asks Telegram now and shows what it answered", async (t) => {
  const { tg, gw } = await setup(t, { dmPolicy: "allowlist", allowFrom: ["42"] });
  await tg.waitForCall("getUpdates");
  const before = tg.calls.filter((c) => c.method === "getMe").length;
  const r = await gw.cli(["channels", "status", "--probe", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const account = (
    JSON.parse(r.stdout) as {
      channelAccounts: {
        telegram: { probe?: { ok: boolean; bot?: { username?: string } }; lastProbeAt?: number }[];
      };
    }
  ).channelAccounts.telegram[0]!;
  assert.equal(account.probe?.ok, true);
  assert.equal(account.probe?.bot?.username, tg.botUsername);
  assert.ok(account.lastProbeAt);
  assert.equal(tg.calls.filter((c) => c.method === "getMe").length, before + 1, "one real call, now");
});

test("kill -9 after a DM is recorded and before it is answered: after restart it is answered exactly once", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI();
  llm.enqueue({ kind: "hang" });
  const first = await spawnGateway({
    config: configFor(tg, llm, { dmPolicy: "allowlist", allowFrom: ["42"] }),
  });
  let second: SpawnedGateway | undefined;
  // One hook, in order: no gateway may still write into the home while it is removed.
  t.after(async () => {
    await first.kill9();
    await second?.stop();
    await first.home.cleanup();
    await Promise.all([tg.close(), llm.close()]);
  });
  tg.userSends({ fromId: 42, chatId: 42, text: "remember the heron" });
  await llm.nextRequest(); // recorded, and its run is waiting on the model
  await first.kill9();
  const inbox = await readFile(
    path.join(first.home.stateDir, "channels/telegram/default/inbox.jsonl"),
    "utf8",
  );
  assert.match(inbox, /remember the heron/);

  llm.enqueue({ kind: "text", text: "The heron is remembered." }, { kind: "text", text: "Second answer." });
  second = await spawnGateway({ home: first.home });
  const answer = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(answer.text, "The heron is remembered.");
  tg.userSends({ fromId: 42, chatId: 42, text: "and now?" });
  const next = await tg.nextBotMessage({ chatId: 42 });
  assert.equal(next.text, "Second answer.");
  assert.deepEqual(
    tg.sent.filter((m) => m.chatId === 42).map((m) => m.text),
    ["The heron is remembered.", "Second answer."],
    "answered exactly once",
  );
});
