import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { BOOTSTRAP_FILE_NAMES, ensureWorkspace, loadBootstrapFiles } from "../../src/agents/workspace.ts";
import { copyFixtureState, createTestHome, type TestHome } from "../harness/gateway.ts";

const TEMPLATES = new URL("../../src/agents/templates/", import.meta.url);
const DEFAULT_CAPS = { maxChars: 20_000, totalMaxChars: 150_000 };

let home: TestHome;
let root: string;
let n = 0;

before(async () => {
  home = await createTestHome();
  await copyFixtureState(home.home);
  root = await mkdtemp(path.join(os.tmpdir(), "openclaw-ws-"));
});
after(async () => {
  await home.cleanup();
  await rm(root, { recursive: true, force: true });
});

const freshDir = (): string => path.join(root, `ws-${++n}`);

/** Every file under `dir` (relative path → bytes), to compare a tree before and after. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, full), (await readFile(full)).toString("base64"));
  }
  return out;
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
}

describe("ensureWorkspace", () => {
  test("a brand-new workspace gets the 7 bootstrap files and the seeding marker", async () => {
    const dir = freshDir();
    const now = new Date("2026-11-25T09:11:50.394Z");
    await ensureWorkspace(dir, { now });
    assert.deepEqual((await readdir(dir)).sort(), [".openclaw", ...BOOTSTRAP_FILE_NAMES].sort());
    assert.ok(BOOTSTRAP_FILE_NAMES.includes("BOOTSTRAP.md"));
    for (const name of BOOTSTRAP_FILE_NAMES) {
      assert.equal(
        await readFile(path.join(dir, name), "utf8"),
        await readFile(new URL(name, TEMPLATES), "utf8"),
      );
    }
    // Same shape and bytes as the fixture's marker (2-space JSON plus a newline).
    assert.equal(
      await readFile(path.join(dir, ".openclaw", "workspace-state.json"), "utf8"),
      `${JSON.stringify({ version: 1, bootstrapSeededAt: now.toISOString() }, null, 2)}\n`,
    );
  });

  test("an existing workspace (the fixture's) is left byte-identical", async () => {
    const dir = freshDir();
    await cp(path.join(home.stateDir, "workspace"), dir, { recursive: true });
    const before = await snapshot(dir);
    await ensureWorkspace(dir);
    assert.deepEqual(await snapshot(dir), before);
  });

  test("a workspace with some files but no marker gets the missing ones, except BOOTSTRAP.md", async () => {
    const dir = freshDir();
    await writeFiles(dir, { "AGENTS.md": "my own rules\n", "notes.md": "x" });
    await ensureWorkspace(dir);
    assert.equal(await readFile(path.join(dir, "AGENTS.md"), "utf8"), "my own rules\n");
    const names = await readdir(dir);
    for (const name of BOOTSTRAP_FILE_NAMES) {
      assert.equal(names.includes(name), name !== "BOOTSTRAP.md", name);
    }
    assert.ok(names.includes(".openclaw"));
  });

  test("skipBootstrap creates the directory and nothing in it", async () => {
    const dir = freshDir();
    await ensureWorkspace(dir, { skipBootstrap: true });
    assert.deepEqual(await readdir(dir), []);
  });
});

describe("loadBootstrapFiles", () => {
  test("the fixture's workspace injects what 2026.2.26 reported for it", async () => {
    const dir = path.join(home.stateDir, "workspace");
    const sessions = JSON.parse(
      await readFile(path.join(home.stateDir, "agents", "main", "sessions", "sessions.json"), "utf8"),
    ) as Record<string, { systemPromptReport: { injectedWorkspaceFiles: unknown[] } }>;
    const reported = sessions["agent:main:main"]!.systemPromptReport.injectedWorkspaceFiles;
    const files = await loadBootstrapFiles(dir, DEFAULT_CAPS);
    assert.deepEqual(
      files.map(({ name, path, missing, rawChars, injectedChars, truncated }) => ({
        name,
        path,
        missing,
        rawChars,
        injectedChars,
        truncated,
      })),
      reported,
    );
  });

  test("order is AGENTS, SOUL, TOOLS, IDENTITY, USER, HEARTBEAT, BOOTSTRAP, MEMORY", async () => {
    const dir = freshDir();
    const order = [...BOOTSTRAP_FILE_NAMES, "MEMORY.md"];
    await writeFiles(dir, Object.fromEntries([...order].reverse().map((name) => [name, `# ${name}\n\n`])));
    const files = await loadBootstrapFiles(dir, DEFAULT_CAPS);
    assert.deepEqual(
      files.map((f) => f.name),
      [
        "AGENTS.md",
        "SOUL.md",
        "TOOLS.md",
        "IDENTITY.md",
        "USER.md",
        "HEARTBEAT.md",
        "BOOTSTRAP.md",
        "MEMORY.md",
      ],
    );
    assert.equal(files[0]?.content, "# AGENTS.md", "content is trimEnd-ed");
    assert.equal(files[0]?.path, path.join(dir, "AGENTS.md"));
  });

  test("a missing required file injects a [MISSING] marker; missing BOOTSTRAP and MEMORY inject nothing", async () => {
    const dir = freshDir();
    await writeFiles(dir, {
      "AGENTS.md": "a",
      "TOOLS.md": "t",
      "IDENTITY.md": "i",
      "USER.md": "u",
      "HEARTBEAT.md": "h",
    });
    const files = await loadBootstrapFiles(dir, DEFAULT_CAPS);
    assert.deepEqual(
      files.map((f) => f.name),
      ["AGENTS.md", "SOUL.md", "TOOLS.md", "IDENTITY.md", "USER.md", "HEARTBEAT.md"],
    );
    const soul = files[1]!;
    assert.equal(soul.missing, true);
    assert.equal(soul.content, `[MISSING] Expected at: ${path.join(dir, "SOUL.md")}`);
  });

  test("memory.md is injected too, after MEMORY.md", async () => {
    const dir = freshDir();
    await writeFiles(dir, { "MEMORY.md": "big", "memory.md": "small" });
    const files = await loadBootstrapFiles(dir, DEFAULT_CAPS);
    assert.deepEqual(
      files.slice(-2).map((f) => [f.name, f.content]),
      [
        ["MEMORY.md", "big"],
        ["memory.md", "small"],
      ],
    );
  });

  test("an oversize file keeps 70 % head and 20 % tail of its allowance between the two marker lines", async () => {
    const dir = freshDir();
    const text = `${"h".repeat(500)}${"m".repeat(300)}${"t".repeat(200)}`;
    await writeFiles(dir, { "TOOLS.md": `${text}\n\n` });
    const tools = (await loadBootstrapFiles(dir, { maxChars: 200, totalMaxChars: 150_000 })).find(
      (f) => f.name === "TOOLS.md",
    )!;
    assert.equal(tools.truncated, true);
    assert.equal(tools.rawChars, 1000);
    assert.equal(
      tools.content,
      [
        "h".repeat(140),
        "",
        "[...truncated, read TOOLS.md for full content...]",
        "…(truncated TOOLS.md: kept 140+40 chars of 1000)…",
        "",
        "t".repeat(40),
      ].join("\n"),
    );
    assert.equal(tools.injectedChars, tools.content.length);
  });

  test("the total cap shrinks later files, then skips files once under 64 chars remain", async () => {
    const dir = freshDir();
    await writeFiles(dir, {
      "AGENTS.md": "a".repeat(600),
      "SOUL.md": "s".repeat(600),
      "TOOLS.md": "t".repeat(100),
    });
    const shrunk = await loadBootstrapFiles(dir, { maxChars: 1000, totalMaxChars: 1000 });
    assert.deepEqual(
      shrunk.map((f) => [f.name, f.injectedChars, f.truncated]),
      [
        ["AGENTS.md", 600, false],
        ["SOUL.md", 400, true],
      ],
      "SOUL.md gets the 400 chars left; then nothing is left for the rest",
    );
    assert.match(shrunk[1]!.content, /^s{280}\n\n\[\.\.\.truncated, read SOUL\.md for full content\.\.\.\]/);
    assert.ok(shrunk[1]!.content.endsWith("…"));

    await writeFile(path.join(dir, "SOUL.md"), "s".repeat(350));
    const skipped = await loadBootstrapFiles(dir, { maxChars: 1000, totalMaxChars: 1000 });
    assert.deepEqual(
      skipped.map((f) => [f.name, f.injectedChars]),
      [
        ["AGENTS.md", 600],
        ["SOUL.md", 350],
      ],
      "50 chars remain: TOOLS.md and everything after it is skipped",
    );
  });

  test("an empty file injects nothing", async () => {
    const dir = freshDir();
    await writeFiles(dir, { "AGENTS.md": " \n\n", "SOUL.md": "soul" });
    const files = await loadBootstrapFiles(dir, DEFAULT_CAPS);
    assert.equal(files[0]?.name, "SOUL.md");
  });
});
