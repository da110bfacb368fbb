import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { writeFileAtomic } from "../../src/infra/atomic-file.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const freshDir = tempDirs("atomic");

async function tempLeftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith(".tmp"));
}

test("writes the content owner-only by default and leaves no temp file", async () => {
  const dir = await freshDir();
  const file = path.join(dir, "sessions.json");
  await writeFileAtomic(file, '{"a":1}\n');
  assert.equal(await readFile(file, "utf8"), '{"a":1}\n');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ["sessions.json"]);
});

test("an explicit mode is applied (within the umask)", async () => {
  const dir = await freshDir();
  const file = path.join(dir, "shared.json");
  await writeFileAtomic(file, "x", { mode: 0o640 });
  assert.equal((await stat(file)).mode & 0o777, 0o640 & ~process.umask());
});

test("replaces an existing file whole, taking the new mode", async () => {
  const dir = await freshDir();
  const file = path.join(dir, "openclaw.json");
  await writeFile(file, "old content that is longer than the new one", { mode: 0o644 });
  await writeFileAtomic(file, "new");
  assert.equal(await readFile(file, "utf8"), "new");
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await tempLeftovers(dir), []);
});

test("creates missing parent directories owner-only", async () => {
  const dir = await freshDir();
  const file = path.join(dir, "a", "b", "c.json");
  await writeFileAtomic(file, "deep");
  assert.equal(await readFile(file, "utf8"), "deep");
  for (const d of [path.join(dir, "a"), path.join(dir, "a", "b")])
    assert.equal((await stat(d)).mode & 0o777, 0o700, d);
});

test("a parent that is a file fails and leaves nothing behind", async () => {
  const dir = await freshDir();
  await writeFile(path.join(dir, "blocker"), "i am a file");
  await assert.rejects(writeFileAtomic(path.join(dir, "blocker", "x.json"), "data"), {
    code: /^(ENOTDIR|EEXIST)$/,
  });
  assert.deepEqual(await readdir(dir), ["blocker"]);
  assert.equal(await readFile(path.join(dir, "blocker"), "utf8"), "i am a file");
});

test("a failed rename (target is a directory) removes the temp file and keeps the target", async () => {
  const dir = await freshDir();
  const target = path.join(dir, "sessions.json");
  await mkdir(target);
  await assert.rejects(writeFileAtomic(target, "data"), { code: /^(EISDIR|ENOTEMPTY|EEXIST|EPERM)$/ });
  assert.deepEqual(await tempLeftovers(dir), []);
  assert.ok((await stat(target)).isDirectory());
});

test("concurrent writers leave one whole version and no temp files", async () => {
  const dir = await freshDir();
  const file = path.join(dir, "race.json");
  const versions = Array.from({ length: 20 }, (_, i) => JSON.stringify({ writer: i, pad: "x".repeat(5000) }));
  await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
  assert.ok(versions.includes(await readFile(file, "utf8")), "the file is exactly one writer's content");
  assert.deepEqual(await tempLeftovers(dir), []);
});
