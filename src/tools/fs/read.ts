import { open } from "node:fs/promises";
import { z } from "zod";
import { type DefinedTool, defineTool, ToolError } from "../types.ts";
import { type FsScope, hasPath, PATH_REQUIRED, pathFields, pickPath, resolveToolPath } from "./paths.ts";

/** Output caps per call; past them the text ends with a hint naming the `offset` to continue at. */
export const READ_MAX_LINES = 2000;
export const READ_MAX_BYTES = 50 * 1024;
/** Larger files are refused rather than loaded whole into memory. */
export const READ_MAX_FILE_BYTES = 64 * 1024 * 1024;

const ReadArgs = z
  .object({
    ...pathFields,
    offset: z.number().int().min(1).optional().describe("Line number to start reading from (1-based)."),
    limit: z.number().int().min(1).optional().describe("Maximum number of lines to read."),
  })
  .refine(hasPath, PATH_REQUIRED);

/** `read` (reference-agent §2.1): text files, by line window, capped, with a continuation hint. */
export function createReadTool(scope: FsScope): DefinedTool {
  return defineTool({
    name: "read",
    description:
      `Read a text file. Output is capped at ${READ_MAX_LINES} lines or ${READ_MAX_BYTES / 1024} KB; ` +
      "use offset and limit to read a large file in parts. Paths are relative to the workspace.",
    summary: "Read file contents",
    schema: ReadArgs,
    async run(args, signal) {
      const shown = pickPath(args);
      const file = await resolveToolPath(scope, shown);
      const text = await readTextFile(file, shown, signal);
      return sliceLines(text, args.offset ?? 1, args.limit);
    },
  });
}

async function readTextFile(file: string, shown: string, signal: AbortSignal): Promise<string> {
  const fh = await open(file, "r").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new ToolError(`File not found: ${shown}`);
    throw err;
  });
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new ToolError(`${shown} is a directory, not a file.`);
    if (st.size > READ_MAX_FILE_BYTES) {
      throw new ToolError(
        `${shown} is ${formatKb(st.size)}; read handles files up to ${formatKb(READ_MAX_FILE_BYTES)}.`,
      );
    }
    const data = await fh.readFile({ signal });
    // NUL bytes mean binary (image, archive…): dumping them would only fill the context.
    if (data.subarray(0, 8192).includes(0)) {
      throw new ToolError(
        `${shown} looks like a binary file (${formatKb(data.length)}); read returns text files only.`,
      );
    }
    return data.toString("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * The lines `[offset, offset + limit)` of `text`, cut at the line and byte caps. A window that
 * reaches the end of the file is returned byte for byte (trailing newline included), as OpenClaw does.
 */
export function sliceLines(text: string, offset: number, limit: number | undefined): string {
  if (text.length === 0) return "(empty file)";
  const lines = text.split("\n");
  const endsWithNewline = text.endsWith("\n");
  if (endsWithNewline) lines.pop();
  const total = lines.length;
  if (offset > total) {
    throw new ToolError(`Offset ${offset} is beyond the end of the file (${total} lines).`);
  }
  const start = offset - 1;
  const wanted = Math.min(limit ?? Number.POSITIVE_INFINITY, total - start);
  const out: string[] = [];
  let bytes = 0;
  let cutBy: "lines" | "bytes" | undefined;
  for (let i = start; i < start + wanted; i++) {
    if (out.length >= READ_MAX_LINES) {
      cutBy = "lines";
      break;
    }
    const line = lines[i]!;
    const size = Buffer.byteLength(line, "utf8") + 1;
    if (bytes + size > READ_MAX_BYTES) {
      if (out.length === 0) return longFirstLine(line, offset, total);
      cutBy = "bytes";
      break;
    }
    out.push(line);
    bytes += size;
  }
  const last = start + out.length; // 1-based number of the last line shown
  if (last === total) return out.join("\n") + (endsWithNewline ? "\n" : "");
  const body = out.join("\n");
  if (cutBy === undefined) {
    return `${body}\n\n[${total - last} more lines in file. Use offset=${last + 1} to continue.]`;
  }
  const cap = cutBy === "lines" ? `${READ_MAX_LINES} lines` : `${READ_MAX_BYTES / 1024} KB`;
  return `${body}\n\n[Output capped at ${cap}: showing lines ${offset}-${last} of ${total}. Use offset=${last + 1} to continue.]`;
}

/** One line longer than the byte cap: show its start rather than nothing. */
function longFirstLine(line: string, lineNo: number, total: number): string {
  const head = Buffer.from(line, "utf8")
    .subarray(0, READ_MAX_BYTES)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
  const next = lineNo < total ? ` Use offset=${lineNo + 1} to continue with the next line.` : "";
  return `${head}\n\n[Line ${lineNo} is ${formatKb(Buffer.byteLength(line, "utf8"))}; showing its first ${READ_MAX_BYTES / 1024} KB.${next}]`;
}

function formatKb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}
