import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpenClawConfig } from "../../src/config/schema.ts";
import { OpenClawConfigSchema } from "../../src/config/schema.ts";
import { modelChoices, pickModel } from "../../src/routing/commands/model-choices.ts";
import { parseCommand } from "../../src/routing/commands/parse.ts";

test("parseCommand recognizes command-only messages, with args and an optional colon", () => {
  assert.deepEqual(parseCommand("/new"), { name: "new", args: "" });
  assert.deepEqual(parseCommand("  /MODEL  sonnet "), { name: "model", args: "sonnet" });
  assert.deepEqual(parseCommand("/model: 2"), { name: "model", args: "2" });
  assert.deepEqual(parseCommand("/new what do herons eat?"), { name: "new", args: "what do herons eat?" });
  assert.equal(parseCommand("/newish"), undefined);
  assert.equal(parseCommand("/unknown thing"), undefined);
  assert.equal(parseCommand("please /stop"), undefined);
  assert.equal(parseCommand("/ stop"), undefined);
});

const config = (raw: unknown): OpenClawConfig => OpenClawConfigSchema.parse(raw);

test("modelChoices lists the allowlist when set, else the agent's models and configured ones", () => {
  const open = config({
    models: { providers: { p: { baseUrl: "http://x", models: [{ id: "a" }, { id: "b" }] } } },
  });
  assert.deepEqual(
    modelChoices(open, "p/a", ["q/z"]).map((c) => c.ref),
    ["p/a", "q/z", "p/b"],
  );
  const allow = config({ agents: { defaults: { models: { "p/a": { alias: "fast" }, "p/b": {} } } } });
  assert.deepEqual(modelChoices(allow, "p/a", []), [{ ref: "p/a", alias: "fast" }, { ref: "p/b" }]);
});

test("pickModel takes a number, an alias or a ref, with an optional @profile, and enforces the allowlist", () => {
  const allow = config({ agents: { defaults: { models: { "p/a": { alias: "fast" }, "p/b": {} } } } });
  const choices = modelChoices(allow, "p/a", []);
  assert.deepEqual(pickModel("2", choices, allow), { ok: true, ref: "p/b" });
  assert.deepEqual(pickModel("fast@p:work", choices, allow), { ok: true, ref: "p/a", profile: "p:work" });
  assert.deepEqual(pickModel("p/c", choices, allow), {
    ok: false,
    message: 'Model "p/c" is not allowed. Use /model to list available models.',
  });
  assert.equal(pickModel("9", choices, allow).ok, false);
  const open = config({});
  assert.deepEqual(pickModel("opus", modelChoices(open, "anthropic/claude-opus-4-6", []), open), {
    ok: true,
    ref: "anthropic/claude-opus-4-6",
  });
});
