import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  readSessionStore,
  type SessionEntry,
  sessionStorePath,
  transcriptPath,
  updateSessionStore,
} from "../../src/sessions/store.ts";
import { copyFixtureState, createTestHome, type TestHome } from "../harness/gateway.ts";

let home: TestHome;
let fixtureText: string;
let file: string;

before(async () => {
  home = await createTestHome();
  await copyFixtureState(home.home);
  fixtureText = await readFile(sessionStorePath(home.stateDir, "main"), "utf8");
});
after(() => home.cleanup());

let n = 0;
beforeEach(async () => {
  // Each test gets its own copy of the fixture's main sessions.json.
  const dir = path.join(home.root, `store-${++n}`);
  await mkdir(dir, { recursive: true });
  file = path.join(dir, "sessions.json");
  await writeFile(file, fixtureText);
});

async function leftovers(): Promise<string[]> {
  return (await readdir(path.dirname(file))).filter((f) => f.endsWith(".tmp") || f.endsWith(".lock"));
}

describe("readSessionStore", () => {
  test("reads the fixture's two entries with every field", async () => {
    const store = await readSessionStore(file);
    assert.deepEqual(Object.keys(store), ["agent:main:main", "agent:main:heron-notes"]);
    assert.deepEqual(store, JSON.parse(fixtureText));
    const main = store["agent:main:main"]!;
    assert.equal(main.sessionId, "ea0d621f-c8b6-4090-8907-4237a0da586e");
    assert.ok(main["skillsSnapshot"] && typeof main["skillsSnapshot"] === "object");
    assert.ok(main["systemPromptReport"] && typeof main["systemPromptReport"] === "object");
  });

  test("keeps the fields in the order the file has them", async () => {
    const store = await readSessionStore(file);
    const raw = JSON.parse(fixtureText) as Record<string, object>;
    for (const key of Object.keys(raw)) assert.deepEqual(Object.keys(store[key]!), Object.keys(raw[key]!));
  });

  test("a missing file reads as {}", async () => {
    assert.deepEqual(await readSessionStore(path.join(path.dirname(file), "absent.json")), {});
  });

  test("a corrupt file throws and names the file", async () => {
    await writeFile(file, '{"agent:main:main": {');
    await assert.rejects(readSessionStore(file), (err: Error) => err.message.includes(file));
  });

  test("one entry that fails the schema does not hide the others", async () => {
    const raw = JSON.parse(fixtureText) as Record<string, unknown>;
    raw["agent:main:broken"] = { sessionId: 42 };
    await writeFile(file, JSON.stringify(raw, null, 2));
    assert.deepEqual(Object.keys(await readSessionStore(file)), [
      "agent:main:main",
      "agent:main:heron-notes",
    ]);
  });
});

describe("updateSessionStore", () => {
  test("a round trip keeps every field and changes only what the mutator changed", async () => {
    const result = await updateSessionStore(file, (store) => {
      store["agent:main:main"]!.updatedAt = 1795598099999;
      return "done";
    });
    assert.equal(result, "done");
    const expected = fixtureText.replace('"updatedAt": 1795598005609', '"updatedAt": 1795598099999');
    assert.notEqual(expected, fixtureText);
    assert.equal(await readFile(file, "utf8"), expected);
  });

  test("writes 2-space JSON without a trailing newline, like OpenClaw, mode 0600", async () => {
    await updateSessionStore(file, (store) => {
      store["agent:main:new"] = { sessionId: "s-new", updatedAt: 1 };
    });
    const text = await readFile(file, "utf8");
    assert.equal(text, JSON.stringify(JSON.parse(text), null, 2));
    assert.ok(text.endsWith("}") && !text.endsWith("\n"));
    assert.ok(text.startsWith('{\n  "agent:main:main": {\n    "sessionId"'));
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test("does not rewrite the file when nothing changed", async () => {
    const before = await stat(file);
    const entry = await updateSessionStore(file, (store) => store["agent:main:heron-notes"]);
    assert.equal(entry?.sessionId, "4081804e-9494-41be-8ad1-2e460af615db");
    assert.equal((await stat(file)).ino, before.ino, "an atomic rewrite would have replaced the inode");
    assert.equal(await readFile(file, "utf8"), fixtureText);
  });

  test("20 concurrent updates, each adding a key, lose nothing", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateSessionStore(file, (store) => {
          store[`agent:main:k${i}`] = { sessionId: `s${i}`, updatedAt: i };
        }),
      ),
    );
    const store = await readSessionStore(file);
    assert.equal(Object.keys(store).length, 22);
    for (let i = 0; i < 20; i++) assert.equal(store[`agent:main:k${i}`]?.sessionId, `s${i}`);
    assert.deepEqual(await leftovers(), []);
  });

  test("leaves no .tmp or .lock behind, also when the mutator throws", async () => {
    await updateSessionStore(file, (store) => {
      store["agent:main:x"] = { sessionId: "x", updatedAt: 1 };
    });
    await assert.rejects(
      updateSessionStore(file, () => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.deepEqual(await leftovers(), []);
    assert.equal((await readSessionStore(file))["agent:main:x"]?.sessionId, "x");
  });

  test("creates a missing file (and its directory)", async () => {
    const fresh = path.join(path.dirname(file), "deeper", "sessions.json");
    const created: SessionEntry = { sessionId: "s1", updatedAt: 5 };
    await updateSessionStore(fresh, (store) => {
      store["agent:main:main"] = created;
    });
    assert.equal(await readFile(fresh, "utf8"), JSON.stringify({ "agent:main:main": created }, null, 2));
  });

  test("an entry that fails the schema is kept untouched, in its place", async () => {
    const raw = JSON.parse(fixtureText) as Record<string, unknown>;
    const withBroken = {
      "agent:main:main": raw["agent:main:main"],
      "agent:main:broken": { sessionId: 42, note: "left by something else" },
      "agent:main:heron-notes": raw["agent:main:heron-notes"],
    };
    await writeFile(file, JSON.stringify(withBroken, null, 2));
    await updateSessionStore(file, (store) => {
      store["agent:main:heron-notes"]!.label = "notes";
    });
    const after = JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(after), ["agent:main:main", "agent:main:broken", "agent:main:heron-notes"]);
    assert.deepEqual(after["agent:main:broken"], withBroken["agent:main:broken"]);
    assert.equal(after["agent:main:heron-notes"]?.["label"], "notes");
  });

  test("a deleted entry stays deleted", async () => {
    await updateSessionStore(file, (store) => {
      delete store["agent:main:heron-notes"];
    });
    assert.deepEqual(Object.keys(await readSessionStore(file)), ["agent:main:main"]);
  });

  test("a corrupt file is never overwritten", async () => {
    await writeFile(file, "{oops");
    await assert.rejects(
      updateSessionStore(file, (store) => {
        store["agent:main:x"] = { sessionId: "x", updatedAt: 1 };
      }),
    );
    assert.equal(await readFile(file, "utf8"), "{oops");
    assert.deepEqual(await leftovers(), []);
  });
});

describe("transcriptPath", () => {
  test("uses sessionFile when it lives in this sessions dir", async () => {
    const dir = path.join(home.stateDir, "agents", "main", "sessions");
    const entry = (await readSessionStore(sessionStorePath(home.stateDir, "main")))["agent:main:main"]!;
    assert.equal(transcriptPath(entry, dir), path.join(dir, "ea0d621f-c8b6-4090-8907-4237a0da586e.jsonl"));
  });

  test("falls back to <sessionId>.jsonl when the state dir moved", () => {
    const entry: SessionEntry = {
      sessionId: "abc",
      updatedAt: 1,
      sessionFile: "/old/home/sessions/abc.jsonl",
    };
    assert.equal(transcriptPath(entry, "/new/sessions"), path.join("/new/sessions", "abc.jsonl"));
  });
});

test("transcriptFileName: threads and forum topics get OpenClaw's -topic- suffix", async () => {
  const { transcriptFileName } = await import("../../src/sessions/store.ts");
  assert.equal(transcriptFileName("abc", "agent:main:main"), "abc.jsonl");
  assert.equal(transcriptFileName("abc", "agent:main:telegram:group:-100:topic:42"), "abc-topic-42.jsonl");
  assert.equal(
    transcriptFileName("abc", "agent:main:slack:channel:c1:thread:1700000000.000100"),
    "abc-topic-1700000000.000100.jsonl",
  );
  assert.equal(transcriptFileName("abc", "agent:main:x:channel:c:thread:a/b"), "abc-topic-a_b.jsonl");
});

test("a reset keeps the levels the user chose but clears the thinking level, as 2.26 does", async (t) => {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const os = await import("node:os");
  const pathMod = await import("node:path");
  const { resetSession } = await import("../../src/sessions/reset.ts");
  const { readSessionStore, sessionStorePath, updateSessionStore } = await import(
    "../../src/sessions/store.ts"
  );
  const stateDir = await mkdtemp(pathMod.join(os.tmpdir(), "openclaw-reset-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const file = sessionStorePath(stateDir, "main");
  await updateSessionStore(file, (store) => {
    store["agent:main:main"] = { sessionId: "old", updatedAt: 1, thinkingLevel: "high", verboseLevel: "on" };
  });
  await resetSession(stateDir, "main", "agent:main:main", new Date(2));
  const entry = (await readSessionStore(file))["agent:main:main"]!;
  assert.notEqual(entry.sessionId, "old");
  assert.equal(entry.thinkingLevel, undefined);
  assert.equal(entry.verboseLevel, "on");
});
