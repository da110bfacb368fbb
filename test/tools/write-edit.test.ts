import assert from "node:assert/strict";
import { chmod, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { createEditTool } from "../../src/tools/fs/edit.ts";
import { createWriteTool } from "../../src/tools/fs/write.ts";
import { tempDirs } from "../harness/temp-dirs.ts";
import { call } from "./helpers.ts";

const newDir = tempDirs("tools-write");

describe("write", () => {
  test("answers exactly like OpenClaw for the fixture's heron log", async () => {
    const dir = await newDir();
    const write = createWriteTool({ workspaceDir: dir, workspaceOnly: true });
    // agents/main/sessions/4081804e-….jsonl in the 2026.2.26 fixture state
    const content = "# Heron log\n- Wendell, great blue heron, north marsh\n- two juveniles by the reeds\n";
    const r = await call(write, { path: "herons.md", content });
    assert.deepEqual(r, { text: "Successfully wrote 82 bytes to herons.md" });
    assert.equal(await readFile(path.join(dir, "herons.md"), "utf8"), content);
  });

  test("counts bytes, not characters", async () => {
    const dir = await newDir();
    const write = createWriteTool({ workspaceDir: dir, workspaceOnly: true });
    assert.equal(
      (await call(write, { path: "h.txt", content: "héron" })).text,
      "Successfully wrote 6 bytes to h.txt",
    );
  });

  test("creates parent dirs, overwrites, and leaves no temp files", async () => {
    const dir = await newDir();
    const write = createWriteTool({ workspaceDir: dir, workspaceOnly: true });
    await call(write, { file_path: "notes/2026/nov.md", content: "one" });
    await call(write, { path: "notes/2026/nov.md", content: "two" });
    assert.equal(await readFile(path.join(dir, "notes/2026/nov.md"), "utf8"), "two");
    assert.deepEqual(await readdir(path.join(dir, "notes/2026")), ["nov.md"]);
  });

  test("keeps the mode of the file it replaces", async () => {
    const dir = await newDir();
    await writeFile(path.join(dir, "run.sh"), "#!/bin/sh\n");
    await chmod(path.join(dir, "run.sh"), 0o750);
    const write = createWriteTool({ workspaceDir: dir, workspaceOnly: true });
    await call(write, { path: "run.sh", content: "#!/bin/sh\necho hi\n" });
    assert.equal((await stat(path.join(dir, "run.sh"))).mode & 0o777, 0o750);
  });

  test("writing through a symlink inside the workspace keeps the link", async () => {
    const dir = await newDir();
    await writeFile(path.join(dir, "real.md"), "old");
    await symlink("real.md", path.join(dir, "link.md"));
    const write = createWriteTool({ workspaceDir: dir, workspaceOnly: true });
    await call(write, { path: "link.md", content: "new" });
    assert.equal(await readFile(path.join(dir, "real.md"), "utf8"), "new");
    assert.ok((await lstat(path.join(dir, "link.md"))).isSymbolicLink());
  });

  test("a failed write leaves neither a temp file nor a changed target", async () => {
    const dir = await newDir();
    await mkdir(path.join(dir, "taken"));
    await writeFile(path.join(dir, "taken", "keep.txt"), "kept");
    const r = await call(createWriteTool({ workspaceDir: dir, workspaceOnly: true }), {
      path: "taken",
      content: "x",
    });
    assert.equal(r.isError, true);
    assert.deepEqual(await readdir(dir), ["taken"]);
    assert.deepEqual(await readdir(path.join(dir, "taken")), ["keep.txt"]);
  });

  test("missing content is an error result", async () => {
    const dir = await newDir();
    const r = await call(createWriteTool({ workspaceDir: dir, workspaceOnly: true }), { path: "x" });
    assert.equal(r.isError, true);
    assert.match(r.text, /Invalid arguments for write:[\s\S]*content/);
  });
});

describe("edit", () => {
  async function setup(content: string) {
    const dir = await newDir();
    await writeFile(path.join(dir, "f.txt"), content);
    const edit = createEditTool({ workspaceDir: dir, workspaceOnly: true });
    return { edit, read: () => readFile(path.join(dir, "f.txt"), "utf8"), dir };
  }

  test("replaces one exact, unique match", async () => {
    const { edit, read, dir } = await setup("alpha\nbeta\ngamma\n");
    const r = await call(edit, { path: "f.txt", oldText: "beta", newText: "BETA $& $1" });
    assert.deepEqual(r, { text: "Successfully replaced text in f.txt." });
    assert.equal(await read(), "alpha\nBETA $& $1\ngamma\n"); // `$&` stays literal
    assert.deepEqual(await readdir(dir), ["f.txt"]);
  });

  test("accepts Claude-Code-style aliases", async () => {
    const { edit, read } = await setup("one two\n");
    const r = await call(edit, { file_path: "f.txt", old_string: "two", new_string: "three" });
    assert.equal(r.isError, undefined);
    assert.equal(await read(), "one three\n");
  });

  test("no match and several matches are errors naming the count; the file is untouched", async () => {
    const { edit, read } = await setup("x = 1\nx = 1\n");
    const none = await call(edit, { path: "f.txt", oldText: "y = 2", newText: "y = 3" });
    assert.equal(none.isError, true);
    assert.match(none.text, /Could not find oldText in f\.txt \(0 matches\)/);
    const two = await call(edit, { path: "f.txt", oldText: "x = 1", newText: "x = 2" });
    assert.equal(two.isError, true);
    assert.match(two.text, /Found 2 matches of oldText in f\.txt; it must be unique/);
    assert.equal(await read(), "x = 1\nx = 1\n");
  });

  test("matches LF oldText in a CRLF file and keeps CRLF", async () => {
    const { edit, read } = await setup("a\r\nb\r\nc\r\n");
    await call(edit, { path: "f.txt", oldText: "a\nb", newText: "a\nB" });
    assert.equal(await read(), "a\r\nB\r\nc\r\n");
  });

  test("missing file, empty oldText and missing newText are error results", async () => {
    const { edit } = await setup("z");
    assert.deepEqual(await call(edit, { path: "nope.txt", oldText: "a", newText: "b" }), {
      text: "File not found: nope.txt",
      isError: true,
    });
    const empty = await call(edit, { path: "f.txt", oldText: "", newText: "b" });
    assert.deepEqual(empty, { text: "oldText must not be empty.", isError: true });
    const noNew = await call(edit, { path: "f.txt", oldText: "z" });
    assert.equal(noNew.isError, true);
    assert.match(noNew.text, /`newText` is required/);
  });
});

test("edit works in a subdirectory", async () => {
  const dir = await newDir();
  await mkdir(path.join(dir, "src"));
  await writeFile(path.join(dir, "src/a.ts"), "let a = 1;\n");
  const r = await call(createEditTool({ workspaceDir: dir, workspaceOnly: true }), {
    path: "src/a.ts",
    oldText: "1",
    newText: "2",
  });
  assert.equal(r.isError, undefined);
  assert.equal(await readFile(path.join(dir, "src/a.ts"), "utf8"), "let a = 2;\n");
});
