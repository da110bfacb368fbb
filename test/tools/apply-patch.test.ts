import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { createApplyPatchTool } from "../../src/tools/fs/apply-patch.ts";
import { applyHunks, parsePatch } from "../../src/tools/fs/patch-parse.ts";
import { tempDirs } from "../harness/temp-dirs.ts";
import { call } from "./helpers.ts";

const newDir = tempDirs("tools-patch");

async function setup(files: Record<string, string>) {
  const dir = await newDir();
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  const tool = createApplyPatchTool({ workspaceDir: dir, workspaceOnly: true });
  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const name of (await readdir(dir, { recursive: true })).sort()) {
      const content = await readFile(path.join(dir, name), "utf8").catch(() => undefined);
      if (content !== undefined) out[name] = content;
    }
    return out;
  };
  return { tool, snapshot };
}

const patch = (...lines: string[]) => ["*** Begin Patch", ...lines, "*** End Patch"].join("\n");

describe("apply_patch", () => {
  test("adds, updates, deletes and moves files in one patch", async () => {
    const { tool, snapshot } = await setup({
      "app.py": "import os\n\ndef main():\n    print('hi')\n    return 0\n",
      "old.txt": "bye\n",
      "notes.md": "a\nb\nc\n",
    });
    const r = await call(tool, {
      input: patch(
        "*** Add File: src/new.py",
        "+print('new')",
        "+",
        "*** Update File: app.py",
        "@@ def main():",
        "-    print('hi')",
        "+    print('hello')",
        "     return 0",
        "*** Delete File: old.txt",
        "*** Update File: notes.md",
        "*** Move to: docs/notes.md",
        "@@",
        " a",
        "-b",
        "+B",
      ),
    });
    assert.deepEqual(r, {
      text: "Success. Updated the following files:\nA src/new.py\nM app.py\nD old.txt\nM docs/notes.md",
    });
    assert.deepEqual(await snapshot(), {
      "app.py": "import os\n\ndef main():\n    print('hello')\n    return 0\n",
      "docs/notes.md": "a\nB\nc\n",
      "src/new.py": "print('new')\n\n",
    });
  });

  test("is all or nothing: one bad hunk changes no file", async () => {
    const files = { "a.txt": "one\ntwo\n", "b.txt": "three\n" };
    const { tool, snapshot } = await setup(files);
    const r = await call(tool, {
      input: patch(
        "*** Add File: c.txt",
        "+new",
        "*** Update File: a.txt",
        "-one",
        "+ONE",
        "*** Update File: b.txt",
        "@@",
        "-four",
        "+FOUR",
      ),
    });
    assert.equal(r.isError, true);
    assert.match(
      r.text,
      /hunk 1 of "\*\*\* Update File: b\.txt": these lines were not found in the file:\nfour/,
    );
    assert.deepEqual(await snapshot(), files);
  });

  test("refuses adding an existing file, updating or deleting a missing one, moving onto a file", async () => {
    const files = { "a.txt": "a\n", "b.txt": "b\n" };
    const { tool, snapshot } = await setup(files);
    const cases: Array<[string, RegExp]> = [
      [patch("*** Add File: a.txt", "+x"), /Add File a\.txt: the file already exists/],
      [patch("*** Update File: nope.txt", "-x", "+y"), /Update File nope\.txt: file not found/],
      [patch("*** Delete File: nope.txt"), /Delete File nope\.txt: file not found/],
      [patch("*** Update File: a.txt", "*** Move to: b.txt"), /Move to b\.txt: the file already exists/],
    ];
    for (const [input, message] of cases) {
      const r = await call(tool, { input });
      assert.equal(r.isError, true, input);
      assert.match(r.text, message);
    }
    assert.deepEqual(await snapshot(), files);
  });

  test("malformed patches are clear error results", async () => {
    const { tool } = await setup({ "a.txt": "a\n" });
    const cases: Array<[unknown, RegExp]> = [
      ["*** Add File: x\n+y\n*** End Patch", /must start with "\*\*\* Begin Patch"/],
      ["*** Begin Patch\n*** Add File: x\n+y", /must end with "\*\*\* End Patch"/],
      [patch("*** Add File: x", "y"), /line 3 \("y"\): every line of "\*\*\* Add File:" starts with "\+"/],
      [patch("*** Frobnicate: a.txt"), /line 2/],
      [patch("*** Update File: a.txt"), /has no hunks/],
      [patch("*** Update File: a.txt", "@@", "?a"), /hunk lines start with/],
      [patch(), /changes no files/],
      [42, /Invalid arguments for apply_patch/],
    ];
    for (const [input, message] of cases) {
      const r = await call(tool, { input });
      assert.equal(r.isError, true, String(input));
      assert.match(r.text, message, String(input));
    }
  });
});

describe("applyHunks", () => {
  const update = (content: string, ...lines: string[]) => {
    const [op] = parsePatch(patch("*** Update File: f", ...lines));
    assert.equal(op?.type, "update");
    return applyHunks(content, op.type === "update" ? op.hunks : [], "f");
  };

  test("hunks apply in order, each after the previous one", async () => {
    const content = "x\ny\nx\ny\n";
    assert.equal(update(content, "@@", " x", "-y", "+Y1", "@@", " x", "-y", "+Y2"), "x\nY1\nx\nY2\n");
  });

  test("the @@ anchor picks the place", async () => {
    const content = "def a():\n    pass\ndef b():\n    pass\n";
    assert.equal(
      update(content, "@@ def b():", "-    pass", "+    return 1"),
      "def a():\n    pass\ndef b():\n    return 1\n",
    );
  });

  test("tolerates trailing-whitespace differences and lost blank-line prefixes", async () => {
    assert.equal(update("a  \n\nb\n", " a", "", "-b", "+c"), "a  \n\nc\n");
  });

  test("end-of-file hunks match the last lines; pure additions append", async () => {
    assert.equal(update("x\nx\n", "@@", "-x", "+END", "*** End of File"), "x\nEND\n");
    assert.equal(update("a\n", "@@", "+b"), "a\nb\n");
  });

  test("keeps a missing final newline missing", async () => {
    assert.equal(update("a\nb", " a", "-b", "+c"), "a\nc");
  });

  test("a missing anchor is named", async () => {
    assert.throws(
      () => update("a\n", "@@ def nope():", "-a", "+b"),
      /context line "@@ def nope\(\):" not found/,
    );
  });
});
