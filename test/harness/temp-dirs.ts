import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before } from "node:test";

/**
 * One temp root per test file (removed after it) and a fresh empty directory per call; for unit
 * tests that need real files.
 */
export function tempDirs(prefix: string): () => Promise<string> {
  let root = "";
  let n = 0;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), `openclaw-${prefix}-`));
  });
  after(() => rm(root, { recursive: true, force: true }));
  return async () => {
    const dir = path.join(root, `case-${++n}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };
}
