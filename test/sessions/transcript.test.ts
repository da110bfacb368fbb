import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { AssistantMessage, Message, ToolResultMessage } from "@earendil-works/pi-ai";
import {
  branchMessages,
  modelContextMessages,
  SYNTHETIC_TOOL_RESULT_TEXT,
} from "../../src/sessions/history.ts";
import {
  appendTranscriptEntries,
  createTranscript,
  currentBranch,
  readTranscript,
  type TranscriptEntry,
} from "../../src/sessions/transcript.ts";
import { copyFixtureState, createTestHome, type TestHome } from "../harness/gateway.ts";

const MAIN_SESSION = "ea0d621f-c8b6-4090-8907-4237a0da586e";
const TOOL_SESSION = "4081804e-9494-41be-8ad1-2e460af615db";

let home: TestHome;
let sessions: string;
let scratch = 0;

before(async () => {
  home = await createTestHome();
  await copyFixtureState(home.home);
  sessions = path.join(home.stateDir, "agents", "main", "sessions");
});
after(() => home.cleanup());

const fixtureFile = (id: string): string => path.join(sessions, `${id}.jsonl`);

/** A fresh file in the temp dir; `text` is written as is. */
async function scratchFile(text?: string): Promise<string> {
  const file = path.join(home.root, `scratch-${++scratch}.jsonl`);
  if (text !== undefined) await writeFile(file, text);
  return file;
}

function entry(id: string, parentId: string | null, body: Record<string, unknown> = {}): TranscriptEntry {
  return { type: "custom", id, parentId, timestamp: "2026-11-25T09:11:50.000Z", ...body };
}

function userEntry(id: string, parentId: string | null, text: string): TranscriptEntry {
  return entry(id, parentId, {
    type: "message",
    message: { role: "user", content: [{ type: "text", text }], timestamp: 1 },
  });
}

const HEADER = {
  type: "session" as const,
  version: 3,
  id: "s1",
  timestamp: "2026-11-25T09:11:50.000Z",
  cwd: "/w",
};

const roles = (messages: Message[]): string[] => messages.map((m) => m.role);

function textOf(m: Message): string {
  if (typeof m.content === "string") return m.content;
  return m.content.map((b) => (b.type === "text" ? b.text : "")).join("");
}

describe("readTranscript", () => {
  test("reads the fixture's main transcript: header, then 16 entries, nothing damaged", async () => {
    const read = await readTranscript(fixtureFile(MAIN_SESSION));
    assert.equal(read.header?.type, "session");
    assert.equal(read.header?.version, 3);
    assert.equal(read.header?.id, MAIN_SESSION);
    assert.equal(read.header?.cwd, path.join(home.stateDir, "workspace"));
    assert.equal(read.entries.length, 16);
    assert.deepEqual(
      read.entries.slice(0, 4).map((e) => e.type),
      ["model_change", "thinking_level_change", "custom", "message"],
    );
    assert.equal(read.entries[0]?.parentId, null);
    assert.deepEqual(read.badLines, []);
    assert.equal(read.tornTail, false);
  });

  test("a missing file reads as empty", async () => {
    const read = await readTranscript(path.join(home.root, "nope.jsonl"));
    assert.deepEqual(read, { header: undefined, entries: [], badLines: [], tornTail: false });
  });

  test("a torn last line is ignored and reported", async () => {
    const text = await readFile(fixtureFile(TOOL_SESSION), "utf8");
    const file = await scratchFile(`${text}{"type":"message","id":"deadbeef","parentId":"7c2d40`);
    const read = await readTranscript(file);
    assert.equal(read.tornTail, true);
    assert.deepEqual(read.badLines, []);
    assert.equal(read.entries.length, 9);
    assert.equal(read.entries.at(-1)?.id, "7c2d4067");
  });

  test("a bad line in the middle is skipped and reported by its line number", async () => {
    const lines = (await readFile(fixtureFile(TOOL_SESSION), "utf8")).split("\n");
    lines.splice(5, 0, "{not json", '{"no":"type"}');
    const read = await readTranscript(await scratchFile(lines.join("\n")));
    assert.deepEqual(read.badLines, [6, 7]);
    assert.equal(read.tornTail, false);
    assert.equal(read.entries.length, 9);
  });

  test("a broken header never loses the entries", async () => {
    const lines = (await readFile(fixtureFile(TOOL_SESSION), "utf8")).split("\n");
    lines[0] = lines[0]!.slice(0, 20);
    const read = await readTranscript(await scratchFile(lines.join("\n")));
    assert.equal(read.header, undefined);
    assert.deepEqual(read.badLines, [1]);
    assert.equal(read.entries.length, 9);
    assert.equal(branchMessages(read.entries).length, 6);
  });
});

describe("appendTranscriptEntries", () => {
  test("after a torn tail, appended entries start on a new line and stay parseable", async () => {
    const text = await readFile(fixtureFile(TOOL_SESSION), "utf8");
    const file = await scratchFile(`${text}{"type":"message","id":"dead`);
    const before = await readTranscript(file);
    await appendTranscriptEntries(file, [userEntry("aaaa0001", "7c2d4067", "next")], before.tornTail);
    const read = await readTranscript(file);
    assert.equal(read.tornTail, false);
    assert.deepEqual(read.badLines, [11], "the torn line stays in the file for doctor");
    assert.equal(read.entries.at(-1)?.id, "aaaa0001");
    assert.equal(read.entries.length, 10);
  });

  test("a last line cut just before its newline does not swallow the next entry", async () => {
    const file = await scratchFile(
      `${JSON.stringify(HEADER)}\n${JSON.stringify(userEntry("aaaa0001", null, "hi"))}`,
    );
    const before = await readTranscript(file);
    assert.equal(before.entries.length, 1);
    await appendTranscriptEntries(file, [userEntry("aaaa0002", "aaaa0001", "again")], before.tornTail);
    const read = await readTranscript(file);
    assert.deepEqual(
      read.entries.map((e) => e.id),
      ["aaaa0001", "aaaa0002"],
    );
    assert.deepEqual(read.badLines, []);
  });

  test("writes one line per entry, each ending in a newline", async () => {
    const file = await scratchFile();
    await createTranscript(file, HEADER);
    await appendTranscriptEntries(file, [
      userEntry("aaaa0001", null, "a"),
      userEntry("aaaa0002", "aaaa0001", "b"),
    ]);
    await appendTranscriptEntries(file, []);
    const text = await readFile(file, "utf8");
    assert.ok(text.endsWith("\n"));
    assert.equal(text.split("\n").length, 4);
    assert.deepEqual(
      (await readTranscript(file)).entries.map((e) => e.id),
      ["aaaa0001", "aaaa0002"],
    );
  });
});

describe("createTranscript", () => {
  test("creates the file with its header line and mode 0600", async () => {
    const file = await scratchFile();
    await createTranscript(file, HEADER);
    assert.equal(await readFile(file, "utf8"), `${JSON.stringify(HEADER)}\n`);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  test("never overwrites an existing transcript", async () => {
    const text = await readFile(fixtureFile(MAIN_SESSION), "utf8");
    const file = await scratchFile(text);
    await createTranscript(file, { ...HEADER, id: "other" });
    assert.equal(await readFile(file, "utf8"), text);
  });
});

describe("currentBranch", () => {
  test("follows parentId back from the last entry, leaving a side branch out", () => {
    // a ─ b ─ c ─ d        (abandoned)
    //      └─ e ─ f        (the branch: f was appended last)
    const entries = [
      entry("a", null),
      entry("b", "a"),
      entry("c", "b"),
      entry("d", "c"),
      entry("e", "b"),
      entry("f", "e"),
    ];
    assert.deepEqual(
      currentBranch(entries).map((e) => e.id),
      ["a", "b", "e", "f"],
    );
  });

  test("the last entry decides, even when the side branch was written later", () => {
    const entries = [entry("a", null), entry("b", "a"), entry("x", "a"), entry("c", "b")];
    assert.deepEqual(
      currentBranch(entries).map((e) => e.id),
      ["a", "b", "c"],
    );
  });

  test("stops at a parent that is missing, and survives a cycle", () => {
    assert.deepEqual(
      currentBranch([entry("a", null), entry("c", "gone")]).map((e) => e.id),
      ["c"],
    );
    assert.deepEqual(
      currentBranch([entry("a", "b"), entry("b", "a")]).map((e) => e.id),
      ["a", "b"],
    );
    assert.deepEqual(currentBranch([]), []);
  });
});

describe("branchMessages", () => {
  test("the fixture's main session has 13 messages: 5 user, 8 assistant", async () => {
    const messages = branchMessages((await readTranscript(fixtureFile(MAIN_SESSION))).entries);
    assert.equal(messages.length, 13);
    assert.equal(messages.filter((m) => m.role === "user").length, 5);
    assert.equal(messages.filter((m) => m.role === "assistant").length, 8);
    assert.equal(
      textOf(messages[0]!),
      "[Wed 2026-11-25 09:11 UTC] Hello! I saw three blue herons at the marsh this morning.",
    );
    assert.equal(textOf(messages[12]!), "Noted: your favourite blue heron is Wendell.");
  });

  test("a compaction replaces the messages before its first kept entry with its summary", () => {
    const entries = [
      userEntry("u1", null, "one"),
      userEntry("u2", "u1", "two"),
      userEntry("u3", "u2", "three"),
      entry("c1", "u3", {
        type: "compaction",
        summary: "We talked about herons.",
        firstKeptEntryId: "u3",
        tokensBefore: 1234,
      }),
      userEntry("u4", "c1", "four"),
    ];
    const messages = branchMessages(entries);
    assert.deepEqual(roles(messages), ["user", "user", "user"]);
    assert.equal(
      textOf(messages[0]!),
      "The conversation history before this point was compacted into the following summary:\n\n<summary>\nWe talked about herons.\n</summary>",
    );
    assert.deepEqual(messages.slice(1).map(textOf), ["three", "four"]);
  });

  test("only the latest compaction on the branch counts", () => {
    const entries = [
      userEntry("u1", null, "one"),
      entry("c1", "u1", { type: "compaction", summary: "first", firstKeptEntryId: "u1", tokensBefore: 1 }),
      userEntry("u2", "c1", "two"),
      entry("c2", "u2", { type: "compaction", summary: "second", firstKeptEntryId: "u2", tokensBefore: 1 }),
      userEntry("u3", "c2", "three"),
    ];
    const texts = branchMessages(entries).map(textOf);
    assert.equal(texts.length, 3);
    assert.match(texts[0]!, /second/);
    assert.doesNotMatch(texts.join("|"), /first|one/);
    assert.deepEqual(texts.slice(1), ["two", "three"]);
  });

  test("custom messages and branch summaries reach the context as user messages", () => {
    const entries = [
      userEntry("u1", null, "one"),
      entry("b1", "u1", { type: "branch_summary", fromId: "x", summary: "tried another way" }),
      entry("m1", "b1", { type: "custom_message", customType: "note", content: "a note", display: true }),
    ];
    const messages = branchMessages(entries);
    assert.deepEqual(roles(messages), ["user", "user", "user"]);
    assert.match(textOf(messages[1]!), /summary of a branch[\s\S]*tried another way/);
    assert.equal(textOf(messages[2]!), "a note");
  });

  test("ignores entries that are not messages and messages off the branch", () => {
    const entries = [
      entry("m", null, { type: "model_change", provider: "fixture", modelId: "m1" }),
      userEntry("u1", "m", "kept"),
      userEntry("u2", "u1", "abandoned"),
      userEntry("u3", "u1", "latest"),
    ];
    assert.deepEqual(branchMessages(entries).map(textOf), ["kept", "latest"]);
  });
});

describe("modelContextMessages", () => {
  test("drops the 4 empty error attempts of the fixture's rate-limited turn", async () => {
    const messages = branchMessages((await readTranscript(fixtureFile(MAIN_SESSION))).entries);
    const context = modelContextMessages(messages);
    assert.equal(context.length, 9);
    assert.ok(context.every((m) => m.role !== "assistant" || m.stopReason !== "error"));
    assert.equal(context.filter((m) => m.role === "user").length, 5);
    assert.equal(messages.length, 13, "the input is not modified");
  });

  test("answered tool calls get no synthetic result", async () => {
    const messages = branchMessages((await readTranscript(fixtureFile(TOOL_SESSION))).entries);
    assert.deepEqual(roles(messages), [
      "user",
      "assistant",
      "toolResult",
      "assistant",
      "toolResult",
      "assistant",
    ]);
    assert.deepEqual(modelContextMessages(messages), messages);
  });

  test("a tool call without a result gets a synthetic error result right after it", async () => {
    const messages = branchMessages((await readTranscript(fixtureFile(TOOL_SESSION))).entries);
    // The crash case: the process died after the `read` call was written, before its result.
    const cut = messages.slice(0, 4);
    const context = modelContextMessages(cut);
    assert.deepEqual(roles(context), ["user", "assistant", "toolResult", "assistant", "toolResult"]);
    const synthetic = context[4] as ToolResultMessage;
    assert.equal(synthetic.toolCallId, "call_a2");
    assert.equal(synthetic.toolName, "read");
    assert.equal(synthetic.isError, true);
    assert.ok(textOf(synthetic).startsWith("[openclaw] missing tool result"));
    assert.equal(textOf(synthetic), SYNTHETIC_TOOL_RESULT_TEXT);
    assert.equal((context[2] as ToolResultMessage).isError, false, "the real result is untouched");
  });

  test("an aborted attempt that produced text is kept", () => {
    const partial: AssistantMessage = {
      role: "assistant",
      content: [{ type: "text", text: "Half an ans" }],
      api: "openai-completions",
      provider: "fixture",
      model: "m1",
      usage: {
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        totalTokens: 0,
        cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
      },
      stopReason: "aborted",
      timestamp: 1,
    };
    const user: Message = { role: "user", content: "hi", timestamp: 0 };
    assert.deepEqual(modelContextMessages([user, partial]), [user, partial]);
  });
});

test("a transcript stays readable after appends to a copy of the fixture", async () => {
  const file = await scratchFile(await readFile(fixtureFile(MAIN_SESSION), "utf8"));
  const read = await readTranscript(file);
  const leaf = currentBranch(read.entries).at(-1)!;
  await appendTranscriptEntries(file, [userEntry("aaaa0001", leaf.id, "Wendell again")], read.tornTail);
  const messages = branchMessages((await readTranscript(file)).entries);
  assert.equal(messages.length, 14);
  assert.equal(textOf(messages[13]!), "Wendell again");
});
