import { mkdir, open, rm, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isErrno } from "./errors.ts";
import { withFileQueue } from "./file-queue.ts";

const STALE_LOCK_MS = 30_000;
const RETRY_MS = 25;
const MAX_WAIT_MS = 10_000;

/**
 * Runs `fn` holding `<file>.lock` (O_EXCL) so two processes (the gateway and a CLI, say) never
 * interleave read-modify-write on the same file; serialized in-process too. A lock older than 30 s
 * is treated as left behind by a crash and taken over.
 */
export function withLockFile<T>(file: string, fn: () => Promise<T>): Promise<T> {
  return withFileQueue(file, async () => {
    const lock = `${file}.lock`;
    await acquire(lock);
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  });
}

async function acquire(lock: string): Promise<void> {
  // Owner-only, as writeFileAtomic makes them: the lock is taken before the first write, so this
  // mkdir is what creates a fresh state dir (SEC-17).
  await mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + MAX_WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lock, "wx", 0o600);
      await fh.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() }));
      await fh.close();
      return;
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw err;
    }
    const s = await stat(lock).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > STALE_LOCK_MS) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lock}`);
    await sleep(RETRY_MS);
  }
}
