import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import path from "node:path";

/** Where a program name is looked up: the exec's working dir and the PATH its child will have. */
export interface LookupContext {
  cwd: string;
  pathEnv: string;
}

export interface ResolvedProgram {
  /** The path the shell would execute (PATH entry + name, or the given path made absolute). */
  lookupPath: string;
  /** `lookupPath` with every symlink followed: what allowlist patterns are matched against. */
  realPath: string;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false; // missing, unreadable or not executable: the shell would not run it either
  }
}

/**
 * Resolves a program word as `execvp` would: a name with a slash is a path (relative to `cwd`),
 * any other name is searched in `pathEnv` (empty and relative entries relative to `cwd`, as POSIX
 * shells do). `undefined` when nothing executable is found.
 */
export async function resolveProgram(name: string, ctx: LookupContext): Promise<ResolvedProgram | undefined> {
  if (name === "") return undefined;
  const candidates = name.includes("/")
    ? [path.resolve(ctx.cwd, name)]
    : ctx.pathEnv.split(":").map((dir) => path.resolve(ctx.cwd, dir || ".", name));
  for (const candidate of candidates) {
    if (!(await isExecutableFile(candidate))) continue;
    return { lookupPath: candidate, realPath: await realpath(candidate) };
  }
  return undefined;
}
