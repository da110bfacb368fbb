import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayDispatchPayload } from "discord-api-types/v10";
import type { AdapterContext, InboundMessage } from "../../src/channels/adapter.ts";
import { createAdapter } from "../../src/channels/discord/adapter.ts";
import { ChannelDirectory, channelInfoOf } from "../../src/channels/discord/channel-directory.ts";
import { silentLogger } from "../../src/infra/logger.ts";
import { startFakeDiscord } from "../fakes/discord.ts";

const dispatch = (t: string, d: unknown): GatewayDispatchPayload =>
  ({ op: 0, s: 1, t, d }) as GatewayDispatchPayload;

test("a channel object says whether it is a thread (and of which parent) or a group DM", () => {
  assert.deepEqual(channelInfoOf({ type: 11, parent_id: "500" }), { threadParentId: "500" });
  assert.deepEqual(channelInfoOf({ type: 10, parent_id: "500" }), { threadParentId: "500" });
  assert.deepEqual(channelInfoOf({ type: 12, parent_id: null }), { threadParentId: undefined });
  assert.deepEqual(channelInfoOf({ type: 3 }), { isGroupDm: true });
  assert.deepEqual(channelInfoOf({ type: 0 }), { isGroupDm: false });
});

test("the directory learns channels and threads from GUILD_CREATE, THREAD_CREATE and THREAD_LIST_SYNC", () => {
  const dir = new ChannelDirectory(100);
  dir.observe(
    dispatch("GUILD_CREATE", {
      id: "77",
      channels: [{ id: "500", type: 0 }],
      threads: [{ id: "600", type: 11, parent_id: "500" }],
    }),
  );
  assert.deepEqual(dir.get("500"), { isGroupDm: false });
  assert.deepEqual(dir.get("600"), { threadParentId: "500" });
  dir.observe(dispatch("THREAD_CREATE", { id: "601", type: 11, parent_id: "500", newly_created: true }));
  assert.deepEqual(dir.get("601"), { threadParentId: "500" });
  dir.observe(
    dispatch("THREAD_LIST_SYNC", { guild_id: "77", threads: [{ id: "602", type: 12, parent_id: "501" }] }),
  );
  assert.deepEqual(dir.get("602"), { threadParentId: "501" });
  dir.observe(dispatch("THREAD_DELETE", { id: "601", type: 11, guild_id: "77", parent_id: "500" }));
  assert.equal(dir.get("601"), undefined);
  // An unavailable guild (an outage) carries no channel list.
  dir.observe(dispatch("GUILD_CREATE", { id: "78", unavailable: true }));
  dir.observe(dispatch("MESSAGE_CREATE", { id: "1", channel_id: "999" }));
  assert.equal(dir.get("999"), undefined);
});

test("the directory is bounded: the oldest entry makes room", () => {
  const dir = new ChannelDirectory(2);
  dir.set("1", {});
  dir.set("2", {});
  dir.set("1", { threadParentId: "9" }); // refreshed: now the newest
  dir.set("3", {});
  assert.equal(dir.get("2"), undefined);
  assert.deepEqual(dir.get("1"), { threadParentId: "9" });
  assert.deepEqual(dir.get("3"), {});
});

test("guild messages in channels and threads the gateway announced need no channel lookup", async (t) => {
  const dc = await startFakeDiscord({
    guilds: [{ id: "77", channels: [{ id: "500" }], threads: [{ id: "600", parentId: "500" }] }],
  });
  const adapter = await createAdapter({
    accountId: "default",
    config: { token: dc.token, apiBaseUrl: dc.apiBaseUrl },
    env: {},
    log: silentLogger,
  });
  const received: InboundMessage[] = [];
  let arrived: () => void = () => undefined;
  const ctx: AdapterContext = {
    accountId: "default",
    log: silentLogger,
    receive: async (messages) => {
      received.push(...messages);
      arrived();
    },
  };
  const next = (): Promise<InboundMessage> =>
    new Promise((resolve) => {
      const count = received.length;
      arrived = () => {
        if (received.length > count) resolve(received[count]!);
      };
    });
  const stop = new AbortController();
  const done = adapter.run(ctx, stop.signal);
  t.after(async () => {
    stop.abort();
    await done;
    await dc.close();
  });
  await dc.waitForGateway("identify");
  let got = next();
  dc.userSendsInGuild({ guildId: "77", channelId: "500", userId: "42", text: "in the channel" });
  assert.equal((await got).chatId, "500");
  got = next();
  dc.userSendsInGuild({ guildId: "77", channelId: "600", userId: "42", text: "in the thread" });
  assert.equal((await got).threadId, "600");
  dc.createThread({ guildId: "77", parentId: "500", id: "601" });
  got = next();
  dc.userSendsInGuild({ guildId: "77", channelId: "601", userId: "42", text: "in a new thread" });
  const inNew = await got;
  assert.equal(inNew.chatId, "500");
  assert.equal(inNew.threadId, "601");
  assert.deepEqual(
    dc.requests.filter((r) => r.route === "getChannel").map((r) => r.path),
    [],
  );
});
