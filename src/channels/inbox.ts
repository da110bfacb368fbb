import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { withFileQueue } from "../infra/file-queue.ts";
import { readTextIfExists } from "../infra/json-file.ts";
import type { Logger } from "../infra/logger.ts";
import type { InboundMessage } from "./adapter.ts";

// The "No silent loss" rule (issue 8): a message is on disk before the platform is told we have
// it, and it stays pending until it has been handled. One JSONL file per account:
//   {"t":"in","key":"…","msg":{…}}   recorded (fsync'd before `record` resolves)
//   {"t":"done","key":"…"}           handled: answered, or deliberately not answered
// At start, every "in" without a "done" is handled again; keys seen recently are remembered so a
// platform redelivering an unacknowledged message does not produce a second answer.

/** Keys of handled messages kept for deduplication (Telegram redelivers at most one batch of 100). */
const SEEN_MAX = 2000;
/** Rewrite the file at start once it holds this many lines. */
const COMPACT_AT_LINES = 4000;

const LineSchema = z.discriminatedUnion("t", [
  z.object({ t: z.literal("in"), key: z.string(), msg: z.record(z.string(), z.unknown()) }),
  z.object({ t: z.literal("done"), key: z.string() }),
]);

export function inboxFile(stateDir: string, channel: string, accountId: string): string {
  return path.join(stateDir, "channels", channel, accountId.replace(/[^A-Za-z0-9_-]+/g, "_"), "inbox.jsonl");
}

export class ChannelInbox {
  readonly file: string;
  readonly #pending = new Map<string, InboundMessage>();
  readonly #seen = new Set<string>();

  private constructor(file: string) {
    this.file = file;
  }

  /** Reads the file (skipping and reporting a torn last line) and compacts it when long. */
  static async open(file: string, log: Logger): Promise<ChannelInbox> {
    const inbox = new ChannelInbox(file);
    const text = (await readTextIfExists(file)) ?? "";
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    lines.forEach((line, i) => {
      let parsed: z.infer<typeof LineSchema>;
      try {
        parsed = LineSchema.parse(JSON.parse(line));
      } catch (err) {
        log.warn(
          i === lines.length - 1 ? "inbox ends with a torn line; ignored" : "inbox line unreadable; ignored",
          {
            file,
            line: i + 1,
            err,
          },
        );
        return;
      }
      inbox.#remember(parsed.key);
      if (parsed.t === "in") inbox.#pending.set(parsed.key, parsed.msg as unknown as InboundMessage);
      else inbox.#pending.delete(parsed.key);
    });
    if (lines.length >= COMPACT_AT_LINES) await inbox.#compact();
    return inbox;
  }

  /** Recorded messages not yet handled, oldest first. */
  pending(): InboundMessage[] {
    return [...this.#pending.values()];
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Appends the messages not seen before and syncs the file; resolves with those (the ones to
   * handle). Rejects when the disk refused: the caller must not acknowledge the platform.
   */
  record(messages: InboundMessage[]): Promise<InboundMessage[]> {
    return withFileQueue(this.file, async () => {
      const fresh = messages.filter((m) => !this.#seen.has(m.key));
      if (fresh.length === 0) return [];
      await this.#append(fresh.map((msg) => ({ t: "in", key: msg.key, msg })));
      for (const m of fresh) {
        this.#remember(m.key);
        this.#pending.set(m.key, m);
      }
      return fresh;
    });
  }

  /** Marks a message handled; it is not replayed after a restart. */
  settle(key: string): Promise<void> {
    return withFileQueue(this.file, async () => {
      if (!this.#pending.has(key)) return;
      await this.#append([{ t: "done", key }]);
      this.#pending.delete(key);
    });
  }

  #remember(key: string): void {
    this.#seen.delete(key);
    this.#seen.add(key);
    if (this.#seen.size <= SEEN_MAX) return;
    for (const old of this.#seen) {
      if (this.#seen.size <= SEEN_MAX) break;
      if (!this.#pending.has(old)) this.#seen.delete(old);
    }
  }

  async #append(lines: unknown[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const fh = await open(this.file, "a", 0o600);
    try {
      // One write of whole lines, then fsync: a crash leaves at most a torn last line.
      await fh.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Keeps the pending messages and the remembered keys; everything else goes. */
  async #compact(): Promise<void> {
    const lines = [...this.#seen].map((key) => {
      const msg = this.#pending.get(key);
      return msg
        ? { t: "in", key, msg }
        : [
            { t: "in", key, msg: {} },
            { t: "done", key },
          ];
    });
    const text = lines
      .flat()
      .map((l) => `${JSON.stringify(l)}\n`)
      .join("");
    await withFileQueue(this.file, () => writeFileAtomic(this.file, text));
  }
}
