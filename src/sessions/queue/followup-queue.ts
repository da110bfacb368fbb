import { collectPrompt, overflowSummary, summaryLine } from "./prompt.ts";
import type { QueueDrop, QueueMode } from "./settings.ts";

/** What the queue needs to know of a waiting message. */
export interface QueuedItem {
  text: string;
  /** Where its answer goes (channel, account, chat, thread): only same-route messages merge. */
  route: string;
}

/** The messages waiting for a session's next turn, and what the cap dropped since the last turn. */
export interface FollowupQueue<T extends QueuedItem> {
  items: readonly T[];
  droppedCount: number;
  summaryLines: readonly string[];
  /** Set once a collect drain met mixed routes: the rest of this backlog goes one by one. */
  oneByOne: boolean;
}

export function emptyQueue<T extends QueuedItem>(): FollowupQueue<T> {
  return { items: [], droppedCount: 0, summaryLines: [], oneByOne: false };
}

export function isQueueEmpty(q: FollowupQueue<QueuedItem>): boolean {
  return q.items.length === 0;
}

export interface EnqueueResult<T extends QueuedItem> {
  queue: FollowupQueue<T>;
  /** False when the cap rejected the new item (`drop: new`). */
  accepted: boolean;
  /** Older items the cap pushed out (`drop: old` or `summarize`). */
  dropped: T[];
}

/**
 * Adds a message under the cap (reference-agent §3.7): at the cap, `new` rejects it, `old` drops the
 * oldest, and `summarize` drops the oldest but remembers a line of it for the next turn (at most
 * `cap` lines are kept). Pure.
 */
export function enqueue<T extends QueuedItem>(
  q: FollowupQueue<T>,
  item: T,
  opts: { cap: number; drop: QueueDrop },
): EnqueueResult<T> {
  if (q.items.length < opts.cap)
    return { queue: { ...q, items: [...q.items, item] }, accepted: true, dropped: [] };
  if (opts.drop === "new") return { queue: q, accepted: false, dropped: [] };
  const cut = q.items.length - opts.cap + 1;
  const dropped = q.items.slice(0, cut);
  const items = [...q.items.slice(cut), item];
  if (opts.drop === "old") return { queue: { ...q, items }, accepted: true, dropped };
  const lines = [...q.summaryLines, ...dropped.map((d) => summaryLine(d.text))].slice(-opts.cap);
  return {
    queue: { ...q, items, droppedCount: q.droppedCount + dropped.length, summaryLines: lines },
    accepted: true,
    dropped,
  };
}

/** Removes the items `drop` selects (a `/stop`); the overflow summary goes with the last of them. */
export function removeItems<T extends QueuedItem>(
  q: FollowupQueue<T>,
  drop: (item: T) => boolean,
): FollowupQueue<T> {
  const items = q.items.filter((i) => !drop(i));
  return items.length === 0 ? emptyQueue() : { ...q, items };
}

/**
 * The next followup turn: `carrier` is the message whose run answers it (the last merged one),
 * `riders` are the others it also answers, and `text` is what the model gets.
 */
export interface FollowupTurn<T extends QueuedItem> {
  carrier: T;
  riders: T[];
  text: string;
}

/**
 * Takes the next turn off the queue. `collect` merges everything waiting into one turn in the
 * documented format, unless the messages are for different routes: then they go one at a time,
 * for the rest of this backlog. Other modes take one message; an overflow summary leads its text.
 * Pure; `undefined` when nothing is waiting.
 */
export function takeTurn<T extends QueuedItem>(
  q: FollowupQueue<T>,
  mode: QueueMode,
): { turn: FollowupTurn<T>; queue: FollowupQueue<T> } | undefined {
  const [first, ...rest] = q.items;
  if (!first) return undefined;
  const summary = overflowSummary(q.droppedCount, q.summaryLines);
  const mixed = q.oneByOne || new Set(q.items.map((i) => i.route)).size > 1;
  if (mode === "collect" && !mixed) {
    const carrier = q.items.at(-1)!;
    return {
      turn: {
        carrier,
        riders: q.items.slice(0, -1),
        text: collectPrompt(
          q.items.map((i) => i.text),
          summary,
        ),
      },
      queue: emptyQueue(),
    };
  }
  const text = summary ? `${summary}\n\n${first.text}` : first.text;
  const queue: FollowupQueue<T> =
    rest.length === 0
      ? emptyQueue()
      : { items: rest, droppedCount: 0, summaryLines: [], oneByOne: mode === "collect" };
  return { turn: { carrier: first, riders: [], text }, queue };
}
