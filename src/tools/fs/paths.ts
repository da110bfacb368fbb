import { lstat, readlink, realpath } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { ToolError } from "../types.ts";

/** Where fs tools operate (reference-agent §2.5). */
export interface FsScope {
  /** Relative paths resolve against it. */
  workspaceDir: string;
  /** Refuse any path whose real location is outside the workspace (this project's default: true). */
  workspaceOnly: boolean;
}

/**
 * The `path` argument with OpenClaw's Claude-Code-style alias `file_path` (reference-agent §2.1).
 * Both are optional in the JSON schema; the refinement asks for one of them.
 */
export const pathFields = {
  path: z.string().min(1).optional().describe("Path of the file, relative to the workspace."),
  file_path: z.string().min(1).optional().describe("Alias of `path`."),
};

export function pickPath(args: { path?: string | undefined; file_path?: string | undefined }): string {
  return (args.path ?? args.file_path)!;
}

export const hasPath = (args: { path?: string | undefined; file_path?: string | undefined }) =>
  args.path !== undefined || args.file_path !== undefined;

export const PATH_REQUIRED = { message: "`path` is required", path: ["path"] };

/** How many symlinks one resolution may follow before it is called a loop (Linux's limit). */
const MAX_SYMLINK_HOPS = 40;

/**
 * Resolves a tool's path argument to the file to operate on: `~` expanded, relative paths against
 * the workspace, symlinks followed, including a dangling final link (writing through it would
 * create its target). With `workspaceOnly`, a path whose real location is outside the real
 * workspace is refused with a `ToolError`; checking the real path of the nearest existing ancestor
 * catches a new file under a symlinked directory too. Returns the real path: writing there keeps a
 * symlink inside the workspace a symlink. A race with a concurrent symlink swap is not covered.
 */
export async function resolveToolPath(scope: FsScope, input: string): Promise<string> {
  const requested = path.resolve(scope.workspaceDir, expandHome(input));
  if (!scope.workspaceOnly) return realTarget(requested);
  const root = path.resolve(scope.workspaceDir);
  const realRoot = await realpath(root).catch((err: unknown) => {
    throw new ToolError(`The workspace ${root} is not accessible: ${(err as Error).message}`);
  });
  if (!isInside(root, requested) && !isInside(realRoot, requested)) {
    throw new ToolError(
      `Path ${input} is outside the workspace (${root}); file tools are limited to the workspace (tools.fs.workspaceOnly).`,
    );
  }
  const real = await realTarget(requested);
  if (!isInside(realRoot, real)) {
    throw new ToolError(
      `Path ${input} resolves through a symlink to ${real}, outside the workspace; file tools are limited to the workspace (tools.fs.workspaceOnly).`,
    );
  }
  return real;
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function expandHome(p: string): string {
  if (p === "~") return os.homedir();
  if (p.startsWith("~/")) return path.join(os.homedir(), p.slice(2));
  return p;
}

/**
 * The real path `p` stands for, even when its tail does not exist yet: the real path of the nearest
 * existing ancestor plus the missing segments. A dangling symlink on the way is followed by hand.
 */
async function realTarget(p: string, hops = 0): Promise<string> {
  if (hops > MAX_SYMLINK_HOPS) throw new ToolError(`Too many symbolic links while resolving ${p}.`);
  const missing: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(await realpath(current), ...missing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    }
    if (await isSymlink(current)) {
      // Dangling symlink: its target does not exist yet; resolve where it points instead.
      const target = path.resolve(path.dirname(current), await readlink(current));
      return realTarget(path.join(target, ...missing), hops + 1);
    }
    const parent = path.dirname(current);
    if (parent === current) return path.join(current, ...missing);
    missing.unshift(path.basename(current));
    current = parent;
  }
}

async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isSymbolicLink();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false; // nothing there: keep walking up
    throw err;
  }
}
