import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Writes `data` so that readers see either the old file or the new one, never half of it,
 * even across a crash: temp file in the same directory, fsync, rename. Creates missing parent dirs
 * owner-only: what we write this way is state (config, sessions, credentials), and the first write
 * on a fresh machine (`openclaw config set`) is what creates the state dir itself (SEC-17).
 */
export async function writeFileAtomic(
  file: string,
  data: string,
  opts: { mode?: number } = {},
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    const fh = await open(tmp, "wx", opts.mode ?? 0o600);
    try {
      await fh.writeFile(data, "utf8");
      await fh.sync(); // without it a crash after rename can leave an empty file under the real name
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
