import type { ChannelAdapter, OutboundTarget } from "../channels/adapter.ts";
import type { Logger } from "../infra/logger.ts";
import { mayBeSilent, type TypingStart } from "./typing-policy.ts";

/** What a run reports that can switch the indicator on (the run request's `activity`). */
export type RunActivity = { type: "started" } | { type: "text"; text: string };

/**
 * Runs `work` with the chat's typing indicator (MED-7): switched on by the run's activity as
 * `start` says, refreshed every `intervalMs`, off when `work` settles. A failed indicator never
 * fails the message; a channel without one (`typingTtlMs` unset) just runs `work`.
 */
export async function withTyping<T>(
  adapter: ChannelAdapter,
  to: OutboundTarget,
  opts: { start: TypingStart; intervalMs: (ttlMs: number) => number },
  signal: AbortSignal,
  log: Logger,
  work: (activity: (ev: RunActivity) => void) => Promise<T>,
): Promise<T> {
  const ttl = adapter.capabilities.typingTtlMs;
  if (ttl === undefined || opts.start === "never") return work(() => undefined);
  const stop = new AbortController();
  const typingSignal = AbortSignal.any([signal, stop.signal]);
  let timer: NodeJS.Timeout | undefined;
  const show = (): void => {
    adapter.sendTyping(to, typingSignal).catch((err: unknown) => {
      if (!typingSignal.aborted) log.debug("typing indicator failed", { err });
    });
  };
  const switchOn = (): void => {
    if (timer !== undefined || typingSignal.aborted) return;
    show();
    timer = setInterval(show, opts.intervalMs(ttl));
  };
  const activity = (ev: RunActivity): void => {
    if (ev.type === "started" ? opts.start === "instant" : !mayBeSilent(ev.text)) switchOn();
  };
  try {
    return await work(activity);
  } finally {
    clearInterval(timer);
    stop.abort();
  }
}
