import { createHash } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { withFileQueue } from "../infra/file-queue.ts";
import { readTextIfExists } from "../infra/json-file.ts";
import type { Logger } from "../infra/logger.ts";
import type { InboundMessage, OutboundPart, OutboundTarget } from "./adapter.ts";

// The "No silent loss" rule (issue 8): a message is on disk before the platform is told we have
// it, and it stays pending until it has been handled. One JSONL file per account:
//   {"t":"in","key":"…","msg":{…}}   recorded (fsync'd before `record` resolves)
//   {"t":"sent","key":"…","n":0,"digest":"…","id":"…"}   part n of its answer is on the platform
//   {"t":"done","key":"…"}           handled: answered, or deliberately not answered
// At start, every "in" without a "done" is handled again; keys seen recently are remembered so a
// platform redelivering an unacknowledged message does not produce a second answer. A "sent"
// line is written after each part of an answer went out, so an answer cut short by a crash is
// resumed after its last delivered part instead of being sent again from the start.

/** Keys of handled messages kept for deduplication (Telegram redelivers at most one batch of 100). */
const SEEN_MAX = 2000;
/** Rewrite the file at start once it holds this many lines. */
const COMPACT_AT_LINES = 4000;

const LineSchema = z.discriminatedUnion("t", [
  z.object({ t: z.literal("in"), key: z.string(), msg: z.record(z.string(), z.unknown()) }),
  z.object({ t: z.literal("done"), key: z.string() }),
  z.object({
    t: z.literal("sent"),
    key: z.string(),
    n: z.number().int().nonnegative(),
    digest: z.string(),
    id: z.string(),
  }),
]);

/** One part of an answer that reached the platform: which part, what it was, and its message id. */
export interface SentPart {
  digest: string;
  messageId: string;
}

/**
 * What identifies one part of an answer across a restart: where it goes and what it says. A
 * replayed run whose answer came out the same skips the parts already delivered; a part that
 * differs goes out.
 */
export function partDigest(to: OutboundTarget, part: OutboundPart): string {
  const hash = createHash("sha256").update(`${to.chatId}\0${to.threadId ?? ""}\0${part.type}\0`);
  if (part.type === "text") hash.update(part.text);
  else
    hash
      .update(`${part.kind}\0${part.mimeType}\0${part.fileName}\0${part.caption ?? ""}\0`)
      .update(part.data);
  return hash.digest("hex").slice(0, 32);
}

export function inboxFile(stateDir: string, channel: string, accountId: string): string {
  return path.join(stateDir, "channels", channel, accountId.replace(/[^A-Za-z0-9_-]+/g, "_"), "inbox.jsonl");
}

export class ChannelInbox {
  readonly file: string;
  readonly #pending = new Map<string, InboundMessage>();
  readonly #seen = new Set<string>();
  /** Per pending message, the parts of its answer already delivered, by index. */
  readonly #sent = new Map<string, Map<number, SentPart>>();

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
      else if (parsed.t === "sent")
        inbox.#markSent(parsed.key, parsed.n, { digest: parsed.digest, messageId: parsed.id });
      else {
        inbox.#pending.delete(parsed.key);
        inbox.#sent.delete(parsed.key);
      }
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
      this.#sent.delete(key);
    });
  }

  /** Part `n` of the answer to `key`, when it was delivered before (this run or the last). */
  sentPart(key: string, n: number): SentPart | undefined {
    return this.#sent.get(key)?.get(n);
  }

  /**
   * Records durably that part `n` of the answer to `key` reached the platform. Called right
   * after each send; only a crash between the send and this fsync can still repeat that part.
   */
  recordSent(key: string, n: number, part: SentPart): Promise<void> {
    return withFileQueue(this.file, async () => {
      if (!this.#pending.has(key)) return;
      await this.#append([{ t: "sent", key, n, digest: part.digest, id: part.messageId }]);
      this.#markSent(key, n, part);
    });
  }

  #markSent(key: string, n: number, part: SentPart): void {
    if (!this.#pending.has(key)) return;
    const parts = this.#sent.get(key) ?? new Map<number, SentPart>();
    parts.set(n, part);
    this.#sent.set(key, parts);
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

  /** Keeps the pending messages, their delivered parts and the remembered keys; everything else goes. */
  async #compact(): Promise<void> {
    const lines = [...this.#seen].map((key) => {
      const msg = this.#pending.get(key);
      const sent = [...(this.#sent.get(key) ?? [])].map(([n, p]) => ({
        t: "sent",
        key,
        n,
        digest: p.digest,
        id: p.messageId,
      }));
      return msg
        ? [{ t: "in", key, msg }, ...sent]
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
