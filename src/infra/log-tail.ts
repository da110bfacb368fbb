import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { isErrno } from "./errors.ts";
import type { Redactor } from "./redact.ts";

const DAILY_LOG_NAME = /^openclaw-\d{4}-\d{2}-\d{2}\.log$/;

/** The newest daily log in `dir` (OBS-6: what to tail when the gateway is down); undefined if none. */
export async function newestDailyLog(dir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined; // nothing has logged on this machine yet
    throw err;
  }
  // The date in the name sorts as text, and says which day a file holds better than its mtime.
  const newest = names
    .filter((n) => DAILY_LOG_NAME.test(n))
    .sort()
    .at(-1);
  return newest ? path.join(dir, newest) : undefined;
}

/**
 * The last `maxLines` whole lines of a file, reading at most its last `maxBytes` (log files may be
 * hundreds of MB). A missing file has no lines.
 */
export async function readLastLines(
  file: string,
  maxLines: number,
  maxBytes = 256 * 1024,
): Promise<string[]> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
  const start = Math.max(0, size - maxBytes);
  const fh = await open(file, "r");
  let text: string;
  try {
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    text = buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
  const lines = text.split("\n").filter((l) => l !== "");
  if (start > 0) lines.shift(); // the first line may start mid-way
  return lines.slice(-maxLines);
}

/**
 * Masks a log line for output meant to be pasted (SEC-8), on top of what the writer masked: the
 * reader may know secrets the writer did not (a key the config now resolves from `${VAR}`, say).
 */
export function redactLogLine(line: string, redactor: Redactor): string {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return redactor.redactText(line); // not a JSON line: mask by value only
  }
  return JSON.stringify(redactor.redact(rec));
}
