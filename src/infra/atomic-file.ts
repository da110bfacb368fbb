import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Writes `data` so that readers see either the old file or the new one, never half of it,
 * even across a crash: temp file in the same directory, fsync, rename. Creates parent dirs.
 */
export async function writeFileAtomic(
  file: string,
  data: string,
  opts: { mode?: number } = {},
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
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
