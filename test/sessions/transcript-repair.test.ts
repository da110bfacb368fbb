import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Message, ToolResultMessage } from "@earendil-works/pi-ai";
import {
  branchMessages,
  modelContextMessages,
  SYNTHETIC_TOOL_RESULT_TEXT,
} from "../../src/sessions/history.ts";
import { createTranscript, readTranscript } from "../../src/sessions/transcript.ts";
import { missingToolResults, repairUnansweredToolCalls } from "../../src/sessions/transcript-repair.ts";
import { copyFixtureState, createTestHome, type TestHome } from "../harness/gateway.ts";

// The fixture's tool session: header, 3 opening entries, user, call_a1 (write), its result,
// call_a2 (read), its result, the answer. Lines are cut from it to make the crash cases.
const TOOL_SESSION = "4081804e-9494-41be-8ad1-2e460af615db";
const AT = new Date("2026-11-25T10:00:00.000Z");

let home: TestHome;
let fixtureLines: string[];
let scratch = 0;

before(async () => {
  home = await createTestHome();
  await copyFixtureState(home.home);
  const file = path.join(home.stateDir, "agents", "main", "sessions", `${TOOL_SESSION}.jsonl`);
  fixtureLines = (await readFile(file, "utf8")).trimEnd().split("\n");
});
after(() => home.cleanup());

/** A transcript file made of the fixture's first `n` lines, plus `tail` written as is. */
async function cutAfter(n: number, tail = ""): Promise<string> {
  const file = path.join(home.root, `repair-${++scratch}.jsonl`);
  await writeFile(file, `${fixtureLines.slice(0, n).join("\n")}\n${tail}`);
  return file;
}

const roles = (messages: Message[]): string[] => messages.map((m) => m.role);

test("killed between the read call and its result: the result is recorded as a synthetic error", async () => {
  const file = await cutAfter(8); // ends with the assistant's call_a2
  const { read, repaired } = await repairUnansweredToolCalls(file, await readTranscript(file), AT);
  assert.deepEqual(
    repaired.map((r) => [r.toolCallId, r.toolName, r.isError]),
    [["call_a2", "read", true]],
  );
  const last = read.entries.at(-1)!;
  assert.equal(last.parentId, "03dd95c8", "chained to the unanswered call");
  assert.equal(last.timestamp, AT.toISOString());
  const message = last["message"] as ToolResultMessage;
  assert.equal(message.content[0]?.type === "text" && message.content[0].text, SYNTHETIC_TOOL_RESULT_TEXT);
  const messages = branchMessages(read.entries);
  assert.deepEqual(roles(messages), ["user", "assistant", "toolResult", "assistant", "toolResult"]);
  assert.deepEqual(modelContextMessages(messages), messages, "nothing left to pair at build time");
});

test("a repaired transcript is not repaired twice", async () => {
  const file = await cutAfter(8);
  await repairUnansweredToolCalls(file, await readTranscript(file), AT);
  const before = await readFile(file, "utf8");
  const second = await repairUnansweredToolCalls(file, await readTranscript(file), AT);
  assert.deepEqual(second.repaired, []);
  assert.equal(await readFile(file, "utf8"), before);
});

test("a torn tool-result line is dropped and the call still gets its result on a fresh line", async () => {
  const torn = fixtureLines[8]!.slice(0, 60); // the read result, cut mid-write
  const file = await cutAfter(8, torn);
  const first = await readTranscript(file);
  assert.equal(first.tornTail, true);
  const { read } = await repairUnansweredToolCalls(file, first, AT);
  assert.equal(read.tornTail, false);
  assert.deepEqual(read.badLines, [9], "the torn line stays in the file for doctor");
  assert.equal(read.entries.length, 8);
  assert.deepEqual(roles(branchMessages(read.entries)).slice(-2), ["assistant", "toolResult"]);
});

test("nothing is written when every call has its result", async () => {
  const file = await cutAfter(fixtureLines.length);
  const before = await readFile(file, "utf8");
  const { repaired } = await repairUnansweredToolCalls(file, await readTranscript(file), AT);
  assert.deepEqual(repaired, []);
  assert.equal(await readFile(file, "utf8"), before);
});

test("an unanswered call followed by a user message is left to the context builder", async () => {
  const user = JSON.parse(fixtureLines[4]!);
  const next = { ...user, id: "aaaa0001", parentId: "03dd95c8" };
  const file = await cutAfter(8, `${JSON.stringify(next)}\n`);
  const read = await readTranscript(file);
  assert.deepEqual(missingToolResults(read.entries, AT.getTime()), []);
  // Appending a result after the user message would put it out of place; the request pairs it.
  assert.deepEqual(roles(modelContextMessages(branchMessages(read.entries))), [
    "user",
    "assistant",
    "toolResult",
    "assistant",
    "toolResult",
    "user",
  ]);
});

test("a broken header keeps every entry, and the repair does not write a new header", async () => {
  const file = await cutAfter(8);
  const text = await readFile(file, "utf8");
  await writeFile(file, text.replace(/^[^\n]*/, '{"type":"session","vers'));
  await createTranscript(file, {
    type: "session",
    version: 3,
    id: "x",
    timestamp: AT.toISOString(),
    cwd: "/w",
  });
  const { read } = await repairUnansweredToolCalls(file, await readTranscript(file), AT);
  assert.equal(read.header, undefined);
  assert.deepEqual(read.badLines, [1]);
  assert.equal(read.entries.length, 8);
  const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
  assert.equal(lines[0], '{"type":"session","vers');
  assert.equal(lines.filter((l) => l.includes('"type":"session"')).length, 1);
});

test("an empty transcript file (a crash right after creating it) gets its header", async () => {
  const file = path.join(home.root, "empty.jsonl");
  await writeFile(file, "");
  await createTranscript(file, {
    type: "session",
    version: 3,
    id: "s2",
    timestamp: AT.toISOString(),
    cwd: "/w",
  });
  const read = await readTranscript(file);
  assert.equal(read.header?.id, "s2");
  assert.deepEqual(read.badLines, []);
});

test("a message line that parses but lost its shape is left out of the context, not thrown on", async () => {
  const broken = { ...JSON.parse(fixtureLines[9]!), message: { role: "assistant" } };
  const file = await cutAfter(9, `${JSON.stringify(broken)}\n`);
  const read = await readTranscript(file);
  assert.equal(read.entries.length, 9);
  const messages = branchMessages(read.entries);
  assert.deepEqual(roles(messages), ["user", "assistant", "toolResult", "assistant", "toolResult"]);
  assert.deepEqual(roles(modelContextMessages(messages)), roles(messages));
});
