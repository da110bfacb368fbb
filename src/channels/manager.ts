import { setTimeout as sleepFor } from "node:timers/promises";
import type { OpenClawConfig } from "../config/schema.ts";
import { errorMessage } from "../infra/errors.ts";
import type { Logger } from "../infra/logger.ts";
import { listAccountIds, resolveAccountConfig } from "./accounts.ts";
import {
  type AccountConfig,
  type AdapterFactory,
  CHANNEL_IDS,
  type ChannelAdapter,
  ChannelAuthError,
  type ChannelId,
  type InboundMessage,
} from "./adapter.ts";
import { backoffDelayMs } from "./backoff.ts";
import type { ChannelHttpEndpoint } from "./http-endpoint.ts";
import { ChannelInbox, inboxFile, partDigest } from "./inbox.ts";

type Loader = () => Promise<{ createAdapter: AdapterFactory }>;

// No SDK is loaded until a configured account needs it (STYLE §2.9).
const LOADERS: Record<ChannelId, Loader> = {
  telegram: () => import("./telegram/adapter.ts"),
  discord: () => import("./discord/adapter.ts"),
  slack: () => import("./slack/adapter.ts"),
};

/**
 * Handles one recorded message end to end (the routing pipeline, wired by the gateway). Resolves
 * when it is settled: answered, or deliberately not. Rejects when delivery finally failed.
 * `accepted` is called once the message is in its session's queue: from then on the chat's next
 * message may go in too, so queue modes see a burst while a run is busy (reference-agent §3.7).
 */
export type InboundHandler = (
  msg: InboundMessage,
  adapter: ChannelAdapter,
  account: AccountConfig,
  signal: AbortSignal,
  accepted: () => void,
) => Promise<void>;

export interface ChannelManagerDeps {
  config: () => OpenClawConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  handle: InboundHandler;
  /** Injected by tests to record the delays chosen instead of waiting them out. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  loaders?: Partial<Record<ChannelId, Loader>>;
}

/** One account in `channels.status` (reference-gateway §2, account snapshot fields). */
export interface AccountSnapshot {
  accountId: string;
  enabled: boolean;
  configured: boolean;
  running: boolean;
  connected: boolean;
  state: string;
  mode?: string;
  reconnectAttempts: number;
  lastError?: string;
  lastStartAt?: number;
  lastStopAt?: number;
  lastConnectedAt?: number;
  lastInboundAt?: number;
  lastOutboundAt?: number;
  dmPolicy: string;
  tokenSource?: string;
  bot?: { id: string; username?: string };
  pendingInbound: number;
  failedDeliveries: number;
  /** The last `channels status --probe` answer for this account. */
  probe?: ProbeOutcome;
  lastProbeAt?: number;
}

/** What asking the platform once said (`getMe`, `users/@me`, `auth.test`). */
export interface ProbeOutcome {
  ok: boolean;
  elapsedMs: number;
  error?: string;
  bot?: { id: string; username?: string | undefined };
}

export interface ChannelsSnapshot {
  ts: number;
  channelOrder: ChannelId[];
  channelAccounts: Partial<Record<ChannelId, AccountSnapshot[]>>;
  channelDefaultAccountId: Partial<Record<ChannelId, string>>;
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  sleepFor(ms, undefined, { signal }).then(() => undefined);

/**
 * Starts every configured and enabled channel account, keeps each running (restarting a crashed
 * adapter with capped backoff), feeds their messages through the durable inbox to the pipeline,
 * and reports status. One failing account never stops another (DESIGN.md §5).
 */
export class ChannelManager {
  readonly #deps: ChannelManagerDeps;
  readonly #root = new AbortController();
  readonly #accounts: AccountRunner[] = [];
  /** Paths already reported as claimed by several accounts (warned once each). */
  readonly #sharedPaths = new Set<string>();

  constructor(deps: ChannelManagerDeps) {
    this.#deps = deps;
  }

  /** Starts the accounts in the background; never rejects. */
  start(): void {
    const config = this.#deps.config();
    for (const channel of CHANNEL_IDS) {
      for (const accountId of listAccountIds(config, channel)) {
        const runner = new AccountRunner(channel, accountId, this.#deps, this.#root.signal);
        this.#accounts.push(runner);
        void runner.start();
      }
    }
  }

  async stop(): Promise<void> {
    this.#root.abort(new Error("gateway stopping"));
    await Promise.allSettled(this.#accounts.map((a) => a.stopped()));
  }

  /**
   * The account serving `pathname` on the gateway port (webhook and HTTP-mode channels), once its
   * adapter exists. Paths are exact; when two accounts claim one, the first configured wins.
   */
  httpEndpoint(pathname: string): ChannelHttpEndpoint | undefined {
    const claims = this.#accounts.filter((a) => a.httpEndpoint()?.path === pathname);
    if (claims.length > 1 && !this.#sharedPaths.has(pathname)) {
      this.#sharedPaths.add(pathname);
      this.#deps.log.warn("several channel accounts serve one path; give each its own webhookPath", {
        path: pathname,
        accounts: claims.map((a) => `${a.channel}:${a.accountId}`),
      });
    }
    return claims[0]?.httpEndpoint();
  }

  /**
   * A running account to send through (the `send` RPC), with its resolved settings: `accountId`,
   * else the channel's first configured account. `undefined` when none is running.
   */
  outbound(
    channel: ChannelId,
    accountId?: string,
  ): { adapter: ChannelAdapter; account: AccountConfig } | undefined {
    const runner = this.#accounts.find(
      (a) => a.channel === channel && (accountId === undefined || a.accountId === accountId),
    );
    return runner?.outbound();
  }

  /**
   * Asks every account's platform once, now, whether its credentials work (`--probe`), each
   * bounded by `timeoutMs`; the answers go into the snapshot it returns.
   */
  async probe(timeoutMs: number): Promise<ChannelsSnapshot> {
    await Promise.all(this.#accounts.map((a) => a.probe(timeoutMs, this.#root.signal)));
    return this.status();
  }

  status(): ChannelsSnapshot {
    const channelAccounts: Partial<Record<ChannelId, AccountSnapshot[]>> = {};
    for (const a of this.#accounts) {
      const list = channelAccounts[a.channel] ?? [];
      list.push(a.snapshot());
      channelAccounts[a.channel] = list;
    }
    const channelOrder = CHANNEL_IDS.filter((c) => channelAccounts[c]);
    const channelDefaultAccountId: Partial<Record<ChannelId, string>> = {};
    for (const c of channelOrder)
      channelDefaultAccountId[c] = channelAccounts[c]?.[0]?.accountId ?? "default";
    return { ts: Date.now(), channelOrder, channelAccounts, channelDefaultAccountId };
  }
}

class AccountRunner {
  readonly channel: ChannelId;
  readonly accountId: string;
  readonly #deps: ChannelManagerDeps;
  readonly #signal: AbortSignal;
  readonly #log: Logger;
  #adapter: ChannelAdapter | undefined;
  #inbox: ChannelInbox | undefined;
  #done: Promise<void> = Promise.resolve();
  readonly #inFlight = new Set<Promise<void>>();
  /** Per chat, the tail of its queue: messages of one chat reach their session in arrival order. */
  readonly #chatTails = new Map<string, Promise<void>>();
  #state = "starting";
  #lastError: string | undefined;
  #crashes = 0;
  #times: { start?: number; stop?: number; inbound?: number; outbound?: number; probe?: number } = {};
  #lastProbe: ProbeOutcome | undefined;
  #failedDeliveries = 0;

  constructor(channel: ChannelId, accountId: string, deps: ChannelManagerDeps, signal: AbortSignal) {
    this.channel = channel;
    this.accountId = accountId;
    this.#deps = deps;
    this.#signal = signal;
    this.#log = deps.log.child({ subsystem: `channels/${channel}` });
  }

  start(): Promise<void> {
    this.#done = this.#run().catch((err: unknown) => {
      this.#fail(err);
      this.#log.error("channel account stopped after an unexpected error", {
        accountId: this.accountId,
        err,
      });
    });
    return this.#done;
  }

  async stopped(): Promise<void> {
    await this.#done;
    await Promise.allSettled([...this.#inFlight]);
  }

  httpEndpoint(): ChannelHttpEndpoint | undefined {
    return this.#adapter?.httpEndpoint;
  }

  outbound(): { adapter: ChannelAdapter; account: AccountConfig } | undefined {
    if (this.#state !== "running" || !this.#adapter) return undefined;
    const account = resolveAccountConfig(this.#deps.config(), this.channel, this.accountId) ?? {};
    return { adapter: this.#observed(this.#adapter, undefined), account };
  }

  async probe(timeoutMs: number, stopping: AbortSignal): Promise<void> {
    const t0 = performance.now();
    const elapsed = (): number => Math.round(performance.now() - t0);
    const adapter = this.#adapter;
    this.#times.probe = Date.now();
    if (!adapter) {
      this.#lastProbe = { ok: false, elapsedMs: 0, error: this.#lastError ?? "the account is not running" };
      return;
    }
    try {
      const bot = await adapter.probe(AbortSignal.any([stopping, AbortSignal.timeout(timeoutMs)]));
      this.#lastProbe = { ok: true, elapsedMs: elapsed(), bot };
    } catch (err) {
      this.#lastProbe = { ok: false, elapsedMs: elapsed(), error: errorMessage(err) };
    }
  }

  snapshot(): AccountSnapshot {
    const a = this.#adapter?.status();
    const account = resolveAccountConfig(this.#deps.config(), this.channel, this.accountId) ?? {};
    const state = this.#state === "running" && a ? a.state : this.#state;
    const lastError = a?.lastError ?? this.#lastError;
    return {
      accountId: this.accountId,
      enabled: account["enabled"] !== false,
      configured: this.#adapter !== undefined,
      running: this.#state === "running",
      connected: this.#state === "running" && a?.state === "connected",
      state,
      ...(a ? { mode: a.mode } : {}),
      reconnectAttempts: (a?.reconnectAttempts ?? 0) + this.#crashes,
      ...(lastError ? { lastError } : {}),
      ...(this.#times.start ? { lastStartAt: this.#times.start } : {}),
      ...(this.#times.stop ? { lastStopAt: this.#times.stop } : {}),
      ...(a?.lastConnectedAt ? { lastConnectedAt: a.lastConnectedAt } : {}),
      ...(this.#times.inbound ? { lastInboundAt: this.#times.inbound } : {}),
      ...(this.#times.outbound ? { lastOutboundAt: this.#times.outbound } : {}),
      dmPolicy: typeof account["dmPolicy"] === "string" ? account["dmPolicy"] : "pairing",
      ...(a?.tokenSource ? { tokenSource: a.tokenSource } : {}),
      ...(a?.bot ? { bot: a.bot } : {}),
      pendingInbound: this.#inbox?.pendingCount ?? 0,
      failedDeliveries: this.#failedDeliveries,
      ...(this.#lastProbe ? { probe: this.#lastProbe } : {}),
      ...(this.#times.probe ? { lastProbeAt: this.#times.probe } : {}),
    };
  }

  async #run(): Promise<void> {
    this.#times.start = Date.now();
    const account = resolveAccountConfig(this.#deps.config(), this.channel, this.accountId) ?? {};
    try {
      const load = this.#deps.loaders?.[this.channel] ?? LOADERS[this.channel];
      const { createAdapter } = await load();
      this.#adapter = await createAdapter({
        accountId: this.accountId,
        config: account,
        env: this.#deps.env,
        log: this.#log,
      });
    } catch (err) {
      this.#fail(err);
      this.#log.error("channel account cannot start", { accountId: this.accountId, err });
      return;
    }
    this.#inbox = await ChannelInbox.open(
      inboxFile(this.#deps.stateDir, this.channel, this.accountId),
      this.#log,
    );
    const replay = this.#inbox.pending();
    if (replay.length > 0)
      this.#log.info("handling messages recorded before the restart", { count: replay.length });
    for (const msg of replay) this.#dispatch(msg);
    this.#state = "running";
    await this.#keepRunning(this.#adapter);
    this.#times.stop = Date.now();
  }

  async #keepRunning(adapter: ChannelAdapter): Promise<void> {
    const sleep = this.#deps.sleep ?? defaultSleep;
    const ctx = {
      accountId: this.accountId,
      log: this.#log,
      receive: (messages: InboundMessage[]) => this.#receive(messages),
    };
    while (!this.#signal.aborted) {
      try {
        await adapter.run(ctx, this.#signal);
        if (!this.#signal.aborted) throw new Error("adapter returned before it was stopped");
      } catch (err) {
        if (this.#signal.aborted) break;
        if (err instanceof ChannelAuthError) {
          this.#fail(err);
          this.#log.error("channel credentials rejected; fix them and restart the gateway", {
            accountId: this.accountId,
            err,
          });
          return;
        }
        this.#crashes++;
        this.#lastError = errorMessage(err);
        const delayMs = backoffDelayMs(this.#crashes);
        this.#log.warn("channel adapter failed; restarting", { accountId: this.accountId, delayMs, err });
        await sleep(delayMs, this.#signal).catch(() => undefined); // aborted: the loop ends
      }
    }
    this.#state = "stopped";
  }

  #fail(err: unknown): void {
    this.#state = "error";
    this.#lastError = errorMessage(err);
  }

  async #receive(messages: InboundMessage[]): Promise<void> {
    const fresh = await this.#inbox!.record(messages);
    if (fresh.length > 0) this.#times.inbound = Date.now();
    for (const msg of fresh) this.#dispatch(msg);
  }

  #dispatch(msg: InboundMessage): void {
    const chat = `${msg.chatId}:${msg.threadId ?? ""}`;
    const prev = this.#chatTails.get(chat) ?? Promise.resolve();
    let accepted!: () => void;
    const queued = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    const handled = prev.then(() => this.#process(msg, accepted));
    // The next message of this chat goes in once this one is queued for its session, or settled
    // without a run: it is not held until this one's answer is out.
    const tail = Promise.race([queued, handled]);
    this.#chatTails.set(chat, tail);
    this.#inFlight.add(handled);
    void handled.then(() => this.#inFlight.delete(handled));
    void tail.then(() => {
      if (this.#chatTails.get(chat) === tail) this.#chatTails.delete(chat);
    });
  }

  /**
   * The adapter as the pipeline sees it: sends count as outbound activity, and for an inbound
   * message (`key`) each part of its answer is journaled in the inbox once delivered, so a replay
   * after a crash skips the parts that already went out (no double answers).
   */
  #observed(adapter: ChannelAdapter, key: string | undefined): ChannelAdapter {
    let index = 0;
    const inbox = this.#inbox!;
    const send: ChannelAdapter["send"] = async (to, part, signal) => {
      const n = index++;
      const digest = key === undefined ? undefined : partDigest(to, part);
      const earlier = key === undefined ? undefined : inbox.sentPart(key, n);
      if (earlier && earlier.digest === digest) {
        this.#log.info("skipping a reply part delivered before the restart", { key, part: n });
        return { messageId: earlier.messageId };
      }
      const ref = await adapter.send(to, part, signal);
      this.#times.outbound = Date.now();
      if (key !== undefined && digest !== undefined)
        await inbox.recordSent(key, n, { digest, messageId: ref.messageId }).catch((err: unknown) =>
          this.#log.warn("cannot journal a delivered reply part; a crash now may repeat it", {
            key,
            err,
          }),
        );
      return ref;
    };
    // Everything else is the adapter's own, bound to it (its methods use private fields): a new
    // capability an adapter gains needs no change here.
    return new Proxy(adapter, {
      get(target, prop) {
        if (prop === "send") return send;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Never rejects: the outcome goes to the inbox, the log and the status. */
  async #process(msg: InboundMessage, accepted: () => void): Promise<void> {
    if (this.#signal.aborted) return; // stays pending: handled after the restart
    const account = resolveAccountConfig(this.#deps.config(), this.channel, this.accountId) ?? {};
    const observed = this.#observed(this.#adapter!, msg.key);
    try {
      await this.#deps.handle(msg, observed, account, this.#signal, accepted);
    } catch (err) {
      if (this.#signal.aborted) return;
      this.#failedDeliveries++;
      this.#lastError = `delivery failed: ${errorMessage(err)}`;
      this.#log.error("an inbound message could not be answered", {
        accountId: this.accountId,
        chatId: msg.chatId,
        key: msg.key,
        err,
      });
    }
    try {
      await this.#inbox!.settle(msg.key);
    } catch (err) {
      this.#log.error("cannot mark an inbound message handled; it may be answered again after a restart", {
        key: msg.key,
        err,
      });
    }
  }
}
