import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { withLockFile } from "../../src/infra/lock-file.ts";

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "openclaw-lock-"));
});
after(() => rm(root, { recursive: true, force: true }));

let n = 0;
async function freshFile(): Promise<string> {
  const dir = path.join(root, `case-${++n}`);
  await mkdir(dir, { recursive: true });
  return path.join(dir, "auth-profiles.json");
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

test("concurrent callers in one process run one at a time, in order", async () => {
  const file = await freshFile();
  await writeFile(file, "0");
  let inside = 0;
  let maxInside = 0;
  const order: number[] = [];
  const increment = (i: number) =>
    withLockFile(file, async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      assert.ok(await exists(`${file}.lock`), "the lock file exists while fn runs");
      const value = Number(await readFile(file, "utf8"));
      await new Promise((r) => setImmediate(r)); // give any other caller a chance to interleave
      await writeFile(file, String(value + 1));
      order.push(i);
      inside--;
      return i;
    });
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => increment(i)));
  assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(maxInside, 1);
  assert.equal(await readFile(file, "utf8"), "10", "no lost update");
  assert.equal(await exists(`${file}.lock`), false);
});

test("a lock older than 30 s is taken over", async () => {
  const file = await freshFile();
  const lock = `${file}.lock`;
  await writeFile(lock, JSON.stringify({ pid: 999999, at: 0 }));
  const old = new Date(Date.now() - 60_000);
  await utimes(lock, old, old);
  const result = await withLockFile(file, async () => {
    const held = JSON.parse(await readFile(lock, "utf8")) as { pid: number };
    assert.equal(held.pid, process.pid, "the lock is now ours");
    return "ran";
  });
  assert.equal(result, "ran");
  assert.equal(await exists(lock), false);
});

test("a missing parent dir is created owner-only", async () => {
  const file = path.join(path.dirname(await freshFile()), "state", "sessions.json");
  await withLockFile(file, async () => undefined);
  assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
});

test("a fresh lock held by another process is waited for, not taken", async () => {
  const file = await freshFile();
  const lock = `${file}.lock`;
  await writeFile(lock, JSON.stringify({ pid: 999999, at: Date.now() }));
  const events: string[] = [];
  const run = withLockFile(file, async () => {
    events.push("ran");
  });
  // The other holder lets go a few polls later; fn must not have run before that.
  setTimeout(() => {
    events.push("released");
    void rm(lock);
  }, 200);
  await run;
  assert.deepEqual(events, ["released", "ran"]);
});

test("a throw inside fn rejects with that error and removes the lock", async () => {
  const file = await freshFile();
  const boom = new Error("disk full");
  await assert.rejects(
    withLockFile(file, async () => {
      throw boom;
    }),
    (err) => err === boom,
  );
  assert.deepEqual(await readdir(path.dirname(file)), [], "no lock left behind");
  assert.equal(await withLockFile(file, async () => "next caller runs"), "next caller runs");
});

test("a caller queued behind a failing one still runs", async () => {
  const file = await freshFile();
  const first = withLockFile(file, async () => {
    throw new Error("first fails");
  });
  const second = withLockFile(file, async () => "second ok");
  await assert.rejects(first, /first fails/);
  assert.equal(await second, "second ok");
});
