import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AdapterContext,
  type AdapterFactory,
  type AdapterStatus,
  type ChannelAdapter,
  ChannelAuthError,
  type InboundMessage,
} from "../../src/channels/adapter.ts";
import { ChannelInbox, inboxFile } from "../../src/channels/inbox.ts";
import { ChannelManager, type InboundHandler } from "../../src/channels/manager.ts";
import type { OpenClawConfig } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/infra/logger.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const dir = tempDirs("channel-manager");

function config(telegram: Record<string, unknown>): () => OpenClawConfig {
  const c = { channels: { telegram } } as unknown as OpenClawConfig;
  return () => c;
}

function message(key: string, accountId = "default"): InboundMessage {
  return {
    channel: "telegram",
    accountId,
    key,
    chatType: "direct",
    chatId: "42",
    messageId: key,
    sender: { id: "42" },
    text: `m${key}`,
    mentionsBot: false,
    repliesToBot: false,
    receivedAt: 0,
  };
}

/** A scripted adapter: each `run` takes the next behaviour; the last one repeats. */
function fakeAdapter(
  accountId: string,
  runs: ((ctx: AdapterContext, signal: AbortSignal) => Promise<void>)[],
): ChannelAdapter {
  const status: AdapterStatus = { state: "connected", reconnectAttempts: 0, mode: "fake" };
  return {
    channel: "telegram",
    accountId,
    capabilities: {
      maxTextChars: 10,
      defaultChunkChars: 10,
      typingTtlMs: undefined,
      allowFromPrefixes: [],
      label: "Fake",
    },
    run: (ctx, signal) => (runs.length > 1 ? runs.shift()! : runs[0]!)(ctx, signal),
    send: async () => ({ messageId: "1" }),
    probe: async () => ({ id: "1" }),
    sendTyping: async () => undefined,
    status: () => status,
  };
}

const untilAborted = (_ctx: AdapterContext, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => signal.addEventListener("abort", () => resolve()));

function waitFor(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const tick = (): void => {
      if (check()) resolve();
      else setImmediate(tick);
    };
    tick();
  });
}

test("a crashing adapter is restarted with capped backoff; a bad credential is not retried", async () => {
  const delays: number[] = [];
  let crashed = 0;
  const crash = async (): Promise<void> => {
    crashed++;
    throw new Error("socket hang up");
  };
  const createAdapter: AdapterFactory = async ({ accountId }) =>
    accountId === "bad"
      ? fakeAdapter(accountId, [async () => Promise.reject(new ChannelAuthError("401 Unauthorized"))])
      : fakeAdapter(accountId, [crash, crash, untilAborted]);
  const manager = new ChannelManager({
    config: config({ accounts: { good: {}, bad: {} } }),
    stateDir: await dir(),
    env: {},
    log: silentLogger,
    handle: async () => undefined,
    sleep: async (ms) => void delays.push(ms),
    loaders: { telegram: async () => ({ createAdapter }) },
  });
  manager.start();
  await waitFor(() => {
    const accounts = manager.status().channelAccounts.telegram ?? [];
    return (
      accounts.some((a) => a.accountId === "good" && a.running) && accounts.some((a) => a.state === "error")
    );
  });
  const [good, bad] = manager.status().channelAccounts.telegram!;
  assert.equal(crashed, 2);
  assert.deepEqual(delays, [1000, 2000]);
  assert.equal(good?.reconnectAttempts, 2);
  assert.equal(good?.lastError, "socket hang up");
  assert.equal(bad?.state, "error");
  assert.equal(bad?.running, false);
  assert.equal(bad?.lastError, "401 Unauthorized");
  await manager.stop();
});

test("an account whose adapter cannot be created is reported; the other one still runs", async () => {
  const createAdapter: AdapterFactory = async ({ accountId }) => {
    if (accountId === "broken") throw new Error("no bot token for account broken");
    return fakeAdapter(accountId, [untilAborted]);
  };
  const manager = new ChannelManager({
    config: config({ accounts: { broken: {}, fine: {} } }),
    stateDir: await dir(),
    env: {},
    log: silentLogger,
    handle: async () => undefined,
    loaders: { telegram: async () => ({ createAdapter }) },
  });
  manager.start();
  await waitFor(
    () =>
      (manager.status().channelAccounts.telegram ?? []).filter((a) => a.state !== "starting").length === 2,
  );
  const accounts = manager.status().channelAccounts.telegram!;
  assert.deepEqual(
    accounts.map((a) => [a.accountId, a.state, a.configured]),
    [
      ["broken", "error", false],
      ["fine", "connected", true],
    ],
  );
  assert.equal(accounts[0]?.lastError, "no bot token for account broken");
  await manager.stop();
});

test("messages are recorded, handled once, replayed after a restart, and failures are counted", async () => {
  const stateDir = await dir();
  const before = await ChannelInbox.open(inboxFile(stateDir, "telegram", "default"), silentLogger);
  await before.record([message("1")]); // recorded by a gateway that died before answering
  const handled: string[] = [];
  const handle: InboundHandler = async (msg) => {
    handled.push(msg.key);
    if (msg.key === "3") throw new Error("Bad Request: chat not found");
  };
  let deliver: ((m: InboundMessage[]) => Promise<void>) | undefined;
  const createAdapter: AdapterFactory = async ({ accountId }) =>
    fakeAdapter(accountId, [
      (ctx, signal) => {
        deliver = (m) => ctx.receive(m);
        return untilAborted(ctx, signal);
      },
    ]);
  const manager = new ChannelManager({
    config: config({}),
    stateDir,
    env: {},
    log: silentLogger,
    handle,
    loaders: { telegram: async () => ({ createAdapter }) },
  });
  manager.start();
  await waitFor(() => deliver !== undefined);
  await deliver!([message("1"), message("2"), message("3")]); // "1" redelivered: already recorded
  await waitFor(
    () => manager.status().channelAccounts.telegram?.[0]?.pendingInbound === 0 && handled.length === 3,
  );
  assert.deepEqual(handled, ["1", "2", "3"]);
  const snap = manager.status().channelAccounts.telegram![0]!;
  assert.equal(snap.failedDeliveries, 1);
  assert.match(snap.lastError ?? "", /chat not found/);
  await manager.stop();
  const after = await ChannelInbox.open(inboxFile(stateDir, "telegram", "default"), silentLogger);
  assert.deepEqual(after.pending(), []);
});
