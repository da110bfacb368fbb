import assert from "node:assert/strict";
import { test } from "node:test";
import { shapeReply } from "../../src/agents/reply-directives.ts";
import { isAbortTrigger } from "../../src/routing/commands/abort-words.ts";

test("NO_REPLY alone is silence; inside a text it is text", () => {
  assert.deepEqual(shapeReply("NO_REPLY"), { text: "", silent: true });
  assert.deepEqual(shapeReply("  no_reply \n"), { text: "", silent: true });
  assert.deepEqual(shapeReply("I said NO_REPLY earlier"), { text: "I said NO_REPLY earlier", silent: false });
});

test("a leading or trailing HEARTBEAT_OK is stripped; only that is dropped", () => {
  assert.deepEqual(shapeReply("HEARTBEAT_OK"), { text: "", silent: true });
  assert.deepEqual(shapeReply("HEARTBEAT_OK All quiet."), { text: "All quiet.", silent: false });
  assert.deepEqual(shapeReply("Done. HEARTBEAT_OK"), { text: "Done.", silent: false });
  assert.equal(shapeReply("before HEARTBEAT_OK after").text, "before HEARTBEAT_OK after");
});

test("abort words stop a run; anything longer is a message", () => {
  for (const w of ["stop", "Stop!", "  please   stop ", "STOP RUN.", "стоп", "やめて"])
    assert.equal(isAbortTrigger(w), true, w);
  for (const w of ["stop the music", "don't stop", "/stop", "waiting"])
    assert.equal(isAbortTrigger(w), false, w);
});
