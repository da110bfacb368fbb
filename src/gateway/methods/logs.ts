import { open, stat } from "node:fs/promises";
import { z } from "zod";
import { isErrno } from "../../infra/errors.ts";
import { defineMethod } from "../method-registry.ts";

const DEFAULT_LIMIT = 200;
const DEFAULT_MAX_BYTES = 250_000;

async function readRange(file: string, start: number, length: number): Promise<string> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, start);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * Serves the current log file by byte cursor (PROTO-15): without a cursor the last `limit` lines,
 * with one everything appended since. A cursor past the end means the file rotated: `reset`.
 */
export const logsTail = defineMethod({
  name: "logs.tail",
  scope: "operator.read",
  params: z.object({
    cursor: z.number().int().nonnegative().optional(),
    limit: z.number().int().min(1).max(5000).optional(),
    maxBytes: z.number().int().min(1).max(1_000_000).optional(),
  }),
  async handle(p, ctx) {
    const file = ctx.services.logSink.currentFile();
    const limit = p.limit ?? DEFAULT_LIMIT;
    const maxBytes = p.maxBytes ?? DEFAULT_MAX_BYTES;
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      if (isErrno(err, "ENOENT")) return { file, cursor: 0, size: 0, lines: [] };
      throw err;
    }
    const reset = p.cursor !== undefined && p.cursor > size;
    const from = p.cursor === undefined || reset ? Math.max(0, size - maxBytes) : p.cursor;
    const length = Math.min(size - from, maxBytes);
    const text = length > 0 ? await readRange(file, from, length) : "";
    // Only whole lines: a partial last line is left for the next call.
    const complete = text.slice(0, text.lastIndexOf("\n") + 1);
    let lines = complete.split("\n").filter((l) => l !== "");
    if (from > 0 && (p.cursor === undefined || reset)) lines = lines.slice(1); // first line may be cut
    const truncated = lines.length > limit || from + length < size;
    if (p.cursor === undefined || reset) lines = lines.slice(-limit);
    else lines = lines.slice(0, limit);
    const consumed =
      p.cursor === undefined || reset
        ? Buffer.byteLength(complete)
        : Buffer.byteLength(lines.map((l) => `${l}\n`).join(""));
    return {
      file,
      cursor: from + consumed,
      size,
      lines,
      ...(truncated ? { truncated: true } : {}),
      ...(reset ? { reset: true } : {}),
    };
  },
});
