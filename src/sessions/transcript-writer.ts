import { appendTranscriptEntries, currentBranch, newEntryId, type TranscriptEntry } from "./transcript.ts";

export type EntryBody = Omit<TranscriptEntry, "id" | "parentId" | "timestamp">;

/**
 * Appends one turn's entries to a transcript, each chained to the previous one on the current
 * branch. One writer per turn; turns on a session are serialized by the caller.
 */
export class TranscriptWriter {
  readonly file: string;
  #parentId: string | null;
  readonly #taken: Set<string>;

  constructor(file: string, entries: TranscriptEntry[]) {
    this.file = file;
    this.#parentId = currentBranch(entries).at(-1)?.id ?? null;
    this.#taken = new Set(entries.map((e) => e.id));
  }

  async append(now: Date, ...bodies: EntryBody[]): Promise<void> {
    const entries = bodies.map((body) => {
      const id = newEntryId(this.#taken);
      this.#taken.add(id);
      // Field order as pi-coding-agent writes it: type, id, parentId, timestamp, then the body.
      const entry = {
        type: body.type,
        id,
        parentId: this.#parentId,
        timestamp: now.toISOString(),
        ...body,
      } as TranscriptEntry;
      this.#parentId = id;
      return entry;
    });
    await appendTranscriptEntries(this.file, entries);
  }
}
