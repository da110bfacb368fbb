import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { createReadTool, READ_MAX_BYTES, READ_MAX_LINES } from "../../src/tools/fs/read.ts";
import { tempDirs } from "../harness/temp-dirs.ts";
import { call } from "./helpers.ts";

const newDir = tempDirs("tools-read");

async function setup(files: Record<string, string | Buffer>) {
  const dir = await newDir();
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return createReadTool({ workspaceDir: dir, workspaceOnly: true });
}

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n") + "\n";

describe("read", () => {
  test("returns a whole small file byte for byte", async () => {
    const text = "# Heron log\n- Wendell, great blue heron, north marsh\n- two juveniles by the reeds\n";
    const read = await setup({ "herons.md": text });
    assert.deepEqual(await call(read, { path: "herons.md" }), { text });
  });

  test("accepts file_path as an alias of path", async () => {
    const read = await setup({ "a.txt": "alpha\n" });
    assert.deepEqual(await call(read, { file_path: "a.txt" }), { text: "alpha\n" });
  });

  test("offset and limit select lines and hint at the rest", async () => {
    const read = await setup({ "n.txt": numbered(10) });
    const r = await call(read, { path: "n.txt", offset: 3, limit: 2 });
    assert.equal(r.isError, undefined);
    assert.equal(r.text, "line 3\nline 4\n\n[6 more lines in file. Use offset=5 to continue.]");
    assert.equal((await call(read, { path: "n.txt", offset: 9 })).text, "line 9\nline 10\n");
  });

  test("caps output by lines with a continuation hint", async () => {
    const read = await setup({ "big.txt": numbered(READ_MAX_LINES + 500) });
    const r = await call(read, { path: "big.txt" });
    const lines = r.text.split("\n");
    assert.equal(lines[READ_MAX_LINES - 1], `line ${READ_MAX_LINES}`);
    assert.match(r.text, new RegExp(`showing lines 1-${READ_MAX_LINES} of ${READ_MAX_LINES + 500}`));
    assert.match(r.text, new RegExp(`Use offset=${READ_MAX_LINES + 1} to continue`));
    const next = await call(read, { path: "big.txt", offset: READ_MAX_LINES + 1 });
    assert.ok(next.text.startsWith(`line ${READ_MAX_LINES + 1}\n`));
    assert.ok(next.text.endsWith(`line ${READ_MAX_LINES + 500}\n`));
  });

  test("caps output by bytes", async () => {
    const long = `${"x".repeat(999)}\n`.repeat(200); // 200 KB in 200 lines
    const read = await setup({ "wide.txt": long });
    const r = await call(read, { path: "wide.txt" });
    assert.ok(Buffer.byteLength(r.text) < READ_MAX_BYTES + 200);
    assert.match(r.text, /Output capped at 50 KB: showing lines 1-51 of 200\. Use offset=52 to continue\./);
  });

  test("a single line over the byte cap is cut, not dropped", async () => {
    const read = await setup({ "one.txt": `${"y".repeat(READ_MAX_BYTES * 2)}\nshort\n` });
    const r = await call(read, { path: "one.txt" });
    assert.ok(r.text.startsWith("y".repeat(100)));
    assert.match(r.text, /Line 1 is 100\.0 KB; showing its first 50 KB\. Use offset=2/);
  });

  test("errors are results, not throws", async () => {
    const read = await setup({ "n.txt": numbered(3), "bin.dat": Buffer.from([0x89, 0x50, 0, 1, 2]) });
    const missing = await call(read, { path: "nope.txt" });
    assert.deepEqual(missing, { text: "File not found: nope.txt", isError: true });
    const beyond = await call(read, { path: "n.txt", offset: 7 });
    assert.deepEqual(beyond, { text: "Offset 7 is beyond the end of the file (3 lines).", isError: true });
    const binary = await call(read, { path: "bin.dat" });
    assert.equal(binary.isError, true);
    assert.match(binary.text, /binary file/);
    const dir = await call(read, { path: "." });
    assert.equal(dir.isError, true);
    assert.match(dir.text, /is a directory/);
  });

  test("invalid arguments are a clear error result", async () => {
    const read = await setup({});
    const noPath = await call(read, {});
    assert.equal(noPath.isError, true);
    assert.match(noPath.text, /Invalid arguments for read:[\s\S]*`path` is required/);
    const badOffset = await call(read, { path: "a", offset: "ten" });
    assert.equal(badOffset.isError, true);
    assert.match(badOffset.text, /offset/);
    const zero = await call(read, { path: "a", offset: 0 });
    assert.equal(zero.isError, true);
  });

  test("an empty file says so", async () => {
    const read = await setup({ "e.txt": "" });
    assert.deepEqual(await call(read, { path: "e.txt" }), { text: "(empty file)" });
  });
});
