import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  agentIdOfSessionKey,
  canonicalSessionKey,
  mainSessionKey,
  normalizeAgentId,
  parseAgentSessionKey,
} from "../../src/sessions/session-key.ts";

describe("normalizeAgentId", () => {
  test("lowercases and keeps [a-z0-9_-]", () => {
    assert.equal(normalizeAgentId("Work"), "work");
    assert.equal(normalizeAgentId("  ops_team-2 "), "ops_team-2");
  });

  test("replaces other characters with a dash and trims dashes", () => {
    assert.equal(normalizeAgentId("My Agent!"), "my-agent");
    assert.equal(normalizeAgentId("--a..b--"), "a-b");
  });

  test("caps the id at 64 characters", () => {
    assert.equal(normalizeAgentId("x".repeat(100)), "x".repeat(64));
  });

  test("falls back to main when nothing is left", () => {
    assert.equal(normalizeAgentId(undefined), "main");
    assert.equal(normalizeAgentId(""), "main");
    assert.equal(normalizeAgentId("!!!"), "main");
  });
});

test("mainSessionKey is agent:<id>:main with a normalized id", () => {
  assert.equal(mainSessionKey("main"), "agent:main:main");
  assert.equal(mainSessionKey("Work"), "agent:work:main");
});

describe("canonicalSessionKey", () => {
  test("main alone is the default agent's main session", () => {
    assert.equal(canonicalSessionKey("main", "main"), "agent:main:main");
    assert.equal(canonicalSessionKey("main", "work"), "agent:work:main");
    assert.equal(canonicalSessionKey(" MAIN ", "Work"), "agent:work:main");
  });

  test("keys are case-folded", () => {
    assert.equal(canonicalSessionKey("Agent:Main:Heron-Notes", "main"), "agent:main:heron-notes");
    assert.equal(canonicalSessionKey("GLOBAL", "main"), "global");
  });

  test("a bare key belongs to the default agent", () => {
    assert.equal(canonicalSessionKey("heron-notes", "main"), "agent:main:heron-notes");
    assert.equal(canonicalSessionKey("telegram:group:-100", "work"), "agent:work:telegram:group:-100");
  });

  test("agent, global, hook and acp keys stay as they are", () => {
    assert.equal(canonicalSessionKey("agent:work:main", "main"), "agent:work:main");
    assert.equal(canonicalSessionKey("global", "main"), "global");
    assert.equal(canonicalSessionKey("hook:2b1c", "main"), "hook:2b1c");
    assert.equal(canonicalSessionKey("acp:abc", "main"), "acp:abc");
  });
});

describe("parseAgentSessionKey", () => {
  test("splits agent:<id>:<rest> on the first two colons", () => {
    assert.deepEqual(parseAgentSessionKey("agent:main:main"), { agentId: "main", rest: "main" });
    assert.deepEqual(parseAgentSessionKey("agent:work:telegram:group:-100:topic:7"), {
      agentId: "work",
      rest: "telegram:group:-100:topic:7",
    });
  });

  test("lowercases", () => {
    assert.deepEqual(parseAgentSessionKey("Agent:Work:Main"), { agentId: "work", rest: "main" });
  });

  test("other shapes are not agent keys", () => {
    assert.equal(parseAgentSessionKey("global"), undefined);
    assert.equal(parseAgentSessionKey("hook:2b1c"), undefined);
    assert.equal(parseAgentSessionKey("agent:main"), undefined);
    assert.equal(parseAgentSessionKey("agent::main"), undefined);
  });

  test("agentIdOfSessionKey falls back to the default agent", () => {
    assert.equal(agentIdOfSessionKey("agent:work:main", "main"), "work");
    assert.equal(agentIdOfSessionKey("global", "Work"), "work");
  });
});
