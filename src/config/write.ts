import { chmod, copyFile, rename } from "node:fs/promises";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { isErrno } from "../infra/errors.ts";
import { readTextIfExists } from "../infra/json-file.ts";
import { withLockFile } from "../infra/lock-file.ts";
import { ConfigError } from "./issues.ts";
import {
  type ConfigSnapshot,
  evaluateConfigTree,
  hashText,
  parseSourceTree,
  readConfigSnapshot,
} from "./load.ts";

/** How many earlier versions survive a write: `.bak`, `.bak.1` … `.bak.4`. */
export const CONFIG_BACKUPS = 5;

/** Someone else changed the file since the editor read it. */
export class ConfigConflictError extends Error {
  override name = "ConfigConflictError";
}

export interface ConfigWrite {
  path: string;
  env: NodeJS.ProcessEnv;
  /** Computes the new source tree from the current one (never from the defaulted config). */
  update: (current: Record<string, unknown>) => Record<string, unknown>;
  /** When given, the write happens only if the file still hashes to it. */
  baseHash?: string;
}

/**
 * The only way anything writes the config (CLI `config set`, RPC `config.*`, later the wizard and
 * agent tools): validate the whole result, keep backups, write atomically. An invalid result
 * throws a ConfigError and leaves the file untouched. Unknown keys the user wrote are kept.
 */
export async function writeConfig(req: ConfigWrite): Promise<ConfigSnapshot> {
  return withLockFile(req.path, async () => {
    const current = await readConfigSnapshot(req.path, req.env);
    if (req.baseHash !== undefined && req.baseHash !== current.hash) {
      throw new ConfigConflictError("config changed since it was read (baseHash mismatch); reload and retry");
    }
    const next = req.update(editableSource(current));
    const result = await evaluateConfigTree(next, req.path, req.env);
    if (!result.valid) throw new ConfigError("the new config is invalid; nothing was written", result.errors);
    const text = `${JSON.stringify(next, null, 2)}\n`;
    if (current.exists) await rotateBackups(req.path);
    await writeFileAtomic(req.path, text, { mode: 0o600 });
    return { path: req.path, exists: true, raw: text, hash: hashText(text), source: next, ...result };
  });
}

/**
 * The tree a write starts from. A file that does not parse (or is not an object) is refused:
 * writing our tree over it would lose the user's text. A file that parses but fails later (a
 * missing `${VAR}`, a wrong type) can be edited, which is how such a key gets fixed.
 */
function editableSource(current: ConfigSnapshot): Record<string, unknown> {
  try {
    return parseSourceTree(current.raw, current.path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(`refusing to write ${current.path}: fix the existing file first`, err.issues);
  }
}

async function rotateBackups(file: string): Promise<void> {
  const name = (i: number): string => (i === 0 ? `${file}.bak` : `${file}.bak.${i}`);
  for (let i = CONFIG_BACKUPS - 2; i >= 0; i--) {
    try {
      await rename(name(i), name(i + 1));
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err;
    }
  }
  if ((await readTextIfExists(file)) === undefined) return;
  await copyFile(file, name(0));
  // copyFile keeps the source's mode; a backup holds the same secrets as the config, so it gets 0600 too.
  await chmod(name(0), 0o600);
}
