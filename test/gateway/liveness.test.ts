import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { LivenessCheck } from "../../src/gateway/liveness.ts";

/** A socket that records pings and terminations and answers pings only when told to. */
class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  answers: boolean;
  constructor(answers: boolean) {
    super();
    this.answers = answers;
  }
  ping(): void {
    this.pings++;
    if (this.answers) queueMicrotask(() => this.emit("pong"));
  }
  terminate(): void {
    this.terminated = true;
  }
}

test("a socket that stops answering pings is terminated at the second sweep; live ones stay", async () => {
  const check = new LivenessCheck<FakeSocket>();
  const live = new FakeSocket(true);
  const dead = new FakeSocket(false);
  check.watch(live);
  check.watch(dead);
  assert.deepEqual(check.sweep([live, dead]), { terminated: 0 });
  await Promise.resolve();
  assert.deepEqual(check.sweep([live, dead]), { terminated: 1 });
  assert.equal(dead.terminated, true);
  assert.equal(live.terminated, false);
  await Promise.resolve();
  assert.deepEqual(check.sweep([live]), { terminated: 0 });
  assert.equal(live.pings, 3);
});

test("a pong after a missed sweep revives the socket", async () => {
  const check = new LivenessCheck<FakeSocket>();
  const slow = new FakeSocket(false);
  check.watch(slow);
  check.sweep([slow]);
  slow.emit("pong");
  assert.deepEqual(check.sweep([slow]), { terminated: 0 });
});
