import assert from "node:assert/strict";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { createCoreTools } from "../../src/tools/core-tools.ts";
import type { DefinedTool } from "../../src/tools/types.ts";
import { tempDirs } from "../harness/temp-dirs.ts";
import { call } from "./helpers.ts";

const newDir = tempDirs("tools-confine");

/** A workspace next to an `outside` dir holding secret.txt, with tools bound to the workspace. */
async function setup(workspaceOnly: boolean, applyPatchWorkspaceOnly?: boolean) {
  const root = await newDir();
  const ws = path.join(root, "ws");
  const outside = path.join(root, "outside");
  await mkdir(ws);
  await mkdir(outside);
  await writeFile(path.join(outside, "secret.txt"), "secret\n");
  await symlink(path.join(outside, "secret.txt"), path.join(ws, "link.txt"));
  await symlink(outside, path.join(ws, "linked-dir"));
  await symlink(path.join(outside, "not-yet.txt"), path.join(ws, "dangling.txt"));
  const tools = createCoreTools({ workspaceDir: ws, workspaceOnly, applyPatchWorkspaceOnly });
  const byName = (n: string) => tools.find((t) => t.definition.name === n) as DefinedTool;
  return {
    ws,
    outside,
    read: byName("read"),
    write: byName("write"),
    edit: byName("edit"),
    patch: byName("apply_patch"),
  };
}

const addPatch = (p: string) => `*** Begin Patch\n*** Add File: ${p}\n+hi\n*** End Patch`;

describe("workspaceOnly: true", () => {
  test("absolute paths and ../ outside the workspace are refused", async () => {
    const { outside, read, write } = await setup(true);
    for (const p of [
      path.join(outside, "secret.txt"),
      "../outside/secret.txt",
      "a/../../outside/secret.txt",
      "/etc/passwd",
      "~/x",
    ]) {
      const r = await call(read, { path: p });
      assert.equal(r.isError, true, p);
      assert.match(r.text, /outside the workspace/, p);
    }
    const w = await call(write, { path: "../outside/new.txt", content: "x" });
    assert.equal(w.isError, true);
    assert.deepEqual((await readdir(outside)).sort(), ["secret.txt"]);
  });

  test("symlinks leading outside are refused: file, directory, new file under it, dangling link", async () => {
    const { outside, read, write, edit } = await setup(true);
    const cases: Array<[DefinedTool, Record<string, unknown>]> = [
      [read, { path: "link.txt" }],
      [edit, { path: "link.txt", oldText: "secret", newText: "owned" }],
      [read, { path: "linked-dir/secret.txt" }],
      [write, { path: "linked-dir/new.txt", content: "x" }],
      [write, { path: "linked-dir/deep/new.txt", content: "x" }],
      [write, { path: "dangling.txt", content: "x" }],
    ];
    for (const [tool, args] of cases) {
      const r = await call(tool, args);
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(r.text, /resolves through a symlink to .*outside the workspace/, JSON.stringify(args));
    }
    assert.deepEqual((await readdir(outside)).sort(), ["secret.txt"]);
    assert.equal(await readFile(path.join(outside, "secret.txt"), "utf8"), "secret\n");
  });

  test("paths inside the workspace work, absolute or relative, with .. that stays inside", async () => {
    const { ws, read, write } = await setup(true);
    assert.equal((await call(write, { path: path.join(ws, "a/b.txt"), content: "in" })).isError, undefined);
    assert.deepEqual(await call(read, { path: "a/../a/b.txt" }), { text: "in" });
  });

  test("apply_patch is confined too", async () => {
    const { outside, patch } = await setup(true);
    for (const p of ["../outside/p.txt", "linked-dir/p.txt"]) {
      const r = await call(patch, { input: addPatch(p) });
      assert.equal(r.isError, true, p);
      assert.match(r.text, /outside the workspace/);
    }
    assert.deepEqual((await readdir(outside)).sort(), ["secret.txt"]);
  });
});

describe("workspaceOnly: false", () => {
  test("absolute paths and symlinks outside are allowed", async () => {
    const { outside, read, write } = await setup(false, false);
    assert.deepEqual(await call(read, { path: path.join(outside, "secret.txt") }), { text: "secret\n" });
    assert.deepEqual(await call(read, { path: "link.txt" }), { text: "secret\n" });
    assert.equal((await call(write, { path: "../outside/new.txt", content: "x" })).isError, undefined);
    assert.equal((await call(write, { path: "dangling.txt", content: "y" })).isError, undefined);
    assert.equal(await readFile(path.join(outside, "not-yet.txt"), "utf8"), "y");
  });

  test("apply_patch stays confined unless tools.exec.applyPatch.workspaceOnly is false too", async () => {
    const confined = await setup(false);
    const r = await call(confined.patch, { input: addPatch("../outside/p.txt") });
    assert.equal(r.isError, true);
    const open = await setup(false, false);
    assert.equal((await call(open.patch, { input: addPatch("../outside/p.txt") })).isError, undefined);
    assert.equal(await readFile(path.join(open.outside, "p.txt"), "utf8"), "hi\n");
  });
});
