import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../infra/logger.ts";
import type { SessionLanes } from "../lane.ts";
import {
  type EnqueueResult,
  emptyQueue,
  enqueue,
  type FollowupQueue,
  type FollowupTurn,
  isQueueEmpty,
  type QueuedItem,
  removeItems,
  takeTurn,
} from "./followup-queue.ts";
import type { QueueSettings } from "./settings.ts";

export interface SessionQueuesDeps<T extends QueuedItem> {
  lanes: SessionLanes;
  log: Logger;
  /**
   * Runs one followup turn. It must enter the session's lane before it first awaits, so that a
   * message arriving meanwhile finds the session busy. Resolves when the turn ended; never rejects.
   */
  runFollowup(sessionKey: string, turn: FollowupTurn<T>): Promise<void>;
  now?: () => number;
}

interface SessionBacklog<T extends QueuedItem> {
  queue: FollowupQueue<T>;
  /** The settings of the newest arrival: its mode shapes the next turn, its debounce the wait. */
  settings: QueueSettings;
  lastEnqueuedAt: number;
  draining: boolean;
}

/**
 * The followup backlog of every session (reference-agent §3.7): messages wait here while the
 * session's lane is busy, and once it is idle and `debounceMs` passed without a new arrival, the
 * next followup turn is taken off (all of them merged under `collect`, one otherwise). A session
 * without a backlog has no entry, so the map stays bounded by busy sessions.
 */
export class SessionQueues<T extends QueuedItem> {
  readonly #deps: SessionQueuesDeps<T>;
  readonly #backlogs = new Map<string, SessionBacklog<T>>();
  readonly #closing = new AbortController();

  constructor(deps: SessionQueuesDeps<T>) {
    this.#deps = deps;
  }

  /** Messages wait or a followup turn is being taken off for this session. */
  isWaiting(sessionKey: string): boolean {
    return this.#backlogs.has(sessionKey);
  }

  waitingCount(sessionKey: string): number {
    return this.#backlogs.get(sessionKey)?.queue.items.length ?? 0;
  }

  /** Queues a message under the session's cap and starts the drain if it is not running. */
  enqueue(sessionKey: string, item: T, settings: QueueSettings): EnqueueResult<T> {
    const now = this.#deps.now?.() ?? Date.now();
    const backlog = this.#backlogs.get(sessionKey) ?? {
      queue: emptyQueue<T>(),
      settings,
      lastEnqueuedAt: now,
      draining: false,
    };
    const result = enqueue(backlog.queue, item, settings);
    backlog.queue = result.queue;
    backlog.settings = settings;
    backlog.lastEnqueuedAt = now;
    if (isQueueEmpty(backlog.queue)) return result; // rejected into an empty backlog: nothing to run
    this.#backlogs.set(sessionKey, backlog);
    if (!backlog.draining) this.#startDrain(sessionKey, backlog);
    return result;
  }

  /** Takes the waiting messages `drop` selects out of the session's backlog and returns them. */
  remove(sessionKey: string, drop: (item: T) => boolean): T[] {
    const backlog = this.#backlogs.get(sessionKey);
    if (!backlog) return [];
    const removed = backlog.queue.items.filter(drop);
    backlog.queue = removeItems(backlog.queue, drop);
    return removed;
  }

  /** Stops every drain (gateway shutdown) and returns the messages that were still waiting. */
  close(): T[] {
    this.#closing.abort(new Error("gateway stopping"));
    const left = [...this.#backlogs.values()].flatMap((b) => b.queue.items);
    for (const b of this.#backlogs.values()) b.queue = emptyQueue();
    return left;
  }

  #startDrain(sessionKey: string, backlog: SessionBacklog<T>): void {
    backlog.draining = true;
    void this.#drain(sessionKey, backlog)
      .catch((err: unknown) => {
        if (!this.#closing.signal.aborted)
          this.#deps.log.error("followup queue drain failed", { sessionKey, err });
      })
      .finally(() => {
        backlog.draining = false;
        if (this.#backlogs.get(sessionKey) !== backlog) return;
        if (isQueueEmpty(backlog.queue) || this.#closing.signal.aborted) this.#backlogs.delete(sessionKey);
        else this.#startDrain(sessionKey, backlog);
      });
  }

  async #drain(sessionKey: string, backlog: SessionBacklog<T>): Promise<void> {
    const { lanes } = this.#deps;
    const signal = this.#closing.signal;
    while (!isQueueEmpty(backlog.queue) && !signal.aborted) {
      await lanes.whenIdle(sessionKey);
      // The quiet period counts from the newest arrival, so a burst is answered once it ends.
      const now = this.#deps.now?.() ?? Date.now();
      const waitMs = backlog.lastEnqueuedAt + backlog.settings.debounceMs - now;
      if (waitMs > 0) {
        await sleep(waitMs, undefined, { signal });
        continue;
      }
      if (lanes.isBusy(sessionKey)) continue; // an interrupt or a command got in first
      const taken = takeTurn(backlog.queue, backlog.settings.mode);
      if (!taken) return;
      backlog.queue = taken.queue;
      await this.#deps.runFollowup(sessionKey, taken.turn);
    }
  }
}
