import { randomBytes } from "node:crypto";
import { appendFile, type FileHandle, open } from "node:fs/promises";
import { isErrno } from "../infra/errors.ts";
import { readTextIfExists } from "../infra/json-file.ts";

/**
 * Session transcripts in pi-coding-agent's v3 JSONL format (reference-agent §3.2): a header line,
 * then entries `{type, id, parentId, timestamp, …}` forming a tree whose last leaf is the branch.
 */
export const TRANSCRIPT_VERSION = 3;

export interface TranscriptHeader {
  type: "session";
  version: number;
  id: string;
  timestamp: string;
  cwd: string;
  parentSession?: string;
}

export interface TranscriptEntry {
  type: string;
  id: string;
  parentId: string | null;
  timestamp: string;
  [field: string]: unknown;
}

export interface TranscriptRead {
  header: TranscriptHeader | undefined;
  entries: TranscriptEntry[];
  /** 1-based numbers of lines that did not parse (skipped, left in the file for `doctor`). */
  badLines: number[];
  /** True when the last line was cut mid-write (a crash); it is ignored. */
  tornTail: boolean;
}

function isEntry(v: unknown): v is TranscriptEntry {
  if (!v || typeof v !== "object") return false;
  const e = v as Record<string, unknown>;
  return typeof e["type"] === "string" && typeof e["id"] === "string" && e["type"] !== "session";
}

/** Reads a transcript, forgiving on damage: bad lines are skipped and reported, never repaired here. */
export async function readTranscript(file: string): Promise<TranscriptRead> {
  const text = await readTextIfExists(file);
  const out: TranscriptRead = { header: undefined, entries: [], badLines: [], tornTail: false };
  if (text === undefined) return out;
  const lines = text.split("\n");
  const endsClean = text.endsWith("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1 && !endsClean) out.tornTail = true;
      else out.badLines.push(i + 1);
      return;
    }
    if (value && typeof value === "object" && (value as { type?: unknown }).type === "session") {
      out.header ??= value as TranscriptHeader;
    } else if (isEntry(value)) {
      out.entries.push({ ...value, parentId: value.parentId ?? null });
    } else {
      out.badLines.push(i + 1);
    }
  });
  return out;
}

/**
 * Creates the file with its header (mode 0600). An existing file keeps its content: a broken or
 * missing header never gets a new one written over the entries. Only an empty file (a crash right
 * after it was created) gets the header, since there is nothing to lose.
 */
export async function createTranscript(file: string, header: TranscriptHeader): Promise<void> {
  const line = `${JSON.stringify(header)}\n`;
  try {
    const fh = await open(file, "wx", 0o600);
    try {
      await fh.writeFile(line);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
    // "a" appends, so even a racing writer's entries could only land after the header.
    const fh = await open(file, "a");
    try {
      if ((await fh.stat()).size === 0) await fh.writeFile(line);
    } finally {
      await fh.close();
    }
  }
}

/**
 * Appends entries as whole lines in one write. If the file does not end with a newline (a crash
 * mid-write: a torn line, or a whole line cut just before its `\n`), a newline goes first so the
 * new entries stay parseable. `tornTail` is what `readTranscript` reported; the file's last byte
 * is checked either way, since a line cut before its newline still parses and is not reported.
 */
export async function appendTranscriptEntries(
  file: string,
  entries: TranscriptEntry[],
  tornTail = false,
): Promise<void> {
  if (entries.length === 0) return;
  const body = entries.map((e) => JSON.stringify(e)).join("\n");
  const lead = tornTail || (await endsMidLine(file)) ? "\n" : "";
  await appendFile(file, `${lead}${body}\n`, { mode: 0o600 });
}

async function endsMidLine(file: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(file, "r");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false; // appendFile creates it
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await fh.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await fh.close();
  }
}

export function newEntryId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = randomBytes(4).toString("hex");
    if (!taken.has(id)) return id;
  }
}

/** The entries on the current branch, root first: walk parentId links back from the last entry. */
export function currentBranch(entries: TranscriptEntry[]): TranscriptEntry[] {
  if (entries.length === 0) return [];
  const byId = new Map(entries.map((e) => [e.id, e]));
  const branch: TranscriptEntry[] = [];
  const seen = new Set<string>();
  let cur: TranscriptEntry | undefined = entries[entries.length - 1];
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    branch.push(cur);
    cur = cur.parentId ? byId.get(cur.parentId) : undefined;
  }
  return branch.reverse();
}
