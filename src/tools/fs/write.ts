import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { type DefinedTool, defineTool } from "../types.ts";
import { type FsScope, hasPath, PATH_REQUIRED, pathFields, pickPath, resolveToolPath } from "./paths.ts";

const WriteArgs = z
  .object({ ...pathFields, content: z.string().describe("The full new content of the file.") })
  .refine(hasPath, PATH_REQUIRED);

/** `write` (reference-agent §2.1): creates parent directories, overwrites, atomically. */
export function createWriteTool(scope: FsScope): DefinedTool {
  return defineTool({
    name: "write",
    description:
      "Write content to a file, creating it and any missing parent directories, or overwriting it. " +
      "Paths are relative to the workspace.",
    summary: "Create or overwrite files",
    schema: WriteArgs,
    async run(args, signal) {
      const shown = pickPath(args);
      const file = await resolveToolPath(scope, shown);
      await writeFileAtomic(file, args.content, signal);
      // Same wording as OpenClaw's result, which transcripts and models already know.
      return `Successfully wrote ${Buffer.byteLength(args.content, "utf8")} bytes to ${shown}`;
    },
  });
}

/** A file written to a temp name next to its target, synced, and not yet renamed into place. */
export interface StagedFile {
  tmp: string;
  target: string;
}

/**
 * Writes `data` to a temp file in `target`'s directory (creating missing dirs) and syncs it. The
 * new file keeps the mode of the file it replaces (else the umask default), so overwriting a script
 * keeps it executable. Call `commitStaged` to put it in place or `discardStaged` to drop it.
 */
export async function stageFile(target: string, data: string, signal?: AbortSignal): Promise<StagedFile> {
  await mkdir(path.dirname(target), { recursive: true });
  const mode = await stat(target).then(
    (st) => st.mode & 0o7777,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return 0o666;
      throw err;
    },
  );
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(data, { encoding: "utf8", signal });
      await fh.sync(); // without it a crash after rename can leave an empty file under the real name
    } finally {
      await fh.close();
    }
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { tmp, target };
}

export async function commitStaged(staged: StagedFile): Promise<void> {
  await rename(staged.tmp, staged.target); // same dir: readers see the old file or the new one
}

export async function discardStaged(staged: StagedFile): Promise<void> {
  await rm(staged.tmp, { force: true });
}

/** Readers see the old content or the new, never half a file, even across a crash. */
export async function writeFileAtomic(target: string, data: string, signal?: AbortSignal): Promise<void> {
  const staged = await stageFile(target, data, signal);
  try {
    await commitStaged(staged);
  } catch (err) {
    await discardStaged(staged);
    throw err;
  }
}
