import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpenClawConfig } from "../../src/config/schema.ts";
import { mayBeSilent, typingIntervalMs, typingStartFor } from "../../src/routing/typing-policy.ts";

const cfg = (c: Record<string, unknown>) => c as OpenClawConfig;
const withMode = (mode: string) => cfg({ agents: { defaults: { typingMode: mode } } });

test("unset typingMode: DMs and mentioned groups at once, other group messages when text streams", () => {
  assert.equal(typingStartFor(cfg({}), { chatType: "direct", mentioned: false }), "instant");
  assert.equal(typingStartFor(cfg({}), { chatType: "group", mentioned: true }), "instant");
  assert.equal(typingStartFor(cfg({}), { chatType: "group", mentioned: false }), "text");
});

test("each typingMode; session.typingMode overrides agents.defaults", () => {
  const dm = { chatType: "direct" as const, mentioned: false };
  assert.equal(typingStartFor(withMode("never"), dm), "never");
  assert.equal(typingStartFor(withMode("instant"), { chatType: "group", mentioned: false }), "instant");
  assert.equal(typingStartFor(withMode("message"), dm), "text");
  assert.equal(typingStartFor(withMode("thinking"), dm), "text");
  const both = cfg({ agents: { defaults: { typingMode: "instant" } }, session: { typingMode: "never" } });
  assert.equal(typingStartFor(both, dm), "never");
});

test("streamed text that may still be NO_REPLY does not count as a message", () => {
  for (const t of ["", "NO", "no_re", " NO_REPLY "]) assert.equal(mayBeSilent(t), true, t);
  for (const t of ["Now", "NO_REPLY but", "Hello"]) assert.equal(mayBeSilent(t), false, t);
});

test("typingIntervalSeconds sets the refresh; else just under the indicator's lifetime", () => {
  assert.equal(typingIntervalMs(cfg({}), 5000), 4000);
  assert.equal(typingIntervalMs(cfg({ agents: { defaults: { typingIntervalSeconds: 6 } } }), 5000), 6000);
  assert.equal(typingIntervalMs(cfg({ session: { typingIntervalSeconds: 2 } }), 5000), 2000);
});
