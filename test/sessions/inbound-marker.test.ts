import assert from "node:assert/strict";
import { test } from "node:test";
import { findInboundTurn, inboundMarker } from "../../src/sessions/inbound-marker.ts";
import type { TranscriptEntry } from "../../src/sessions/transcript.ts";

let n = 0;
function chain(...bodies: Record<string, unknown>[]): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  for (const body of bodies) {
    const id = String(++n).padStart(8, "0");
    out.push({
      type: "message",
      ...body,
      id,
      parentId: out.at(-1)?.id ?? null,
      timestamp: "",
    } as TranscriptEntry);
  }
  return out;
}
const user = (text: string) => ({ type: "message", message: { role: "user", content: text, timestamp: 0 } });
const assistant = (stopReason: string) => ({
  type: "message",
  message: {
    role: "assistant",
    content: [{ type: "text", text: `said (${stopReason})` }],
    stopReason,
    timestamp: 0,
  },
});
const toolResult = {
  type: "message",
  message: { role: "toolResult", toolCallId: "c1", content: [], timestamp: 0 },
};

test("a message whose turn stopped before its answer is pending, found by its key", () => {
  const entries = chain(
    user("earlier"),
    assistant("stop"),
    inboundMarker("tg:default:7"),
    user("the question"),
  );
  assert.deepEqual(findInboundTurn(entries, "tg:default:7"), {
    state: "pending",
    message: { role: "user", content: "the question", timestamp: 0 },
  });
  assert.equal(findInboundTurn(entries, "tg:default:8"), undefined, "another message");
  const midLoop = chain(inboundMarker("k"), user("q"), assistant("toolUse"), toolResult);
  assert.equal(findInboundTurn(midLoop, "k")?.state, "pending", "cut short between tool steps");
});

test("a message answered before the crash gives back that answer", () => {
  const turn = findInboundTurn(
    chain(inboundMarker("k"), user("q"), assistant("toolUse"), toolResult, assistant("stop")),
    "k",
  );
  assert.equal(turn?.state, "answered");
  assert.deepEqual(turn?.state === "answered" ? turn.answer.content : undefined, [
    { type: "text", text: "said (stop)" },
  ]);
});

test("no marker, or another message's turn after it: not resumable", () => {
  assert.equal(findInboundTurn(chain(user("q")), "k"), undefined);
  assert.equal(
    findInboundTurn(chain(inboundMarker("k"), user("q"), inboundMarker("j"), user("r")), "k"),
    undefined,
  );
});
