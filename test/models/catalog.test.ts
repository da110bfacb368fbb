import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type OpenClawConfigInput, OpenClawConfigSchema } from "../../src/config/schema.ts";
import { loadBuiltinCatalog, resolveModel, UnknownModelError } from "../../src/models/catalog.ts";

const config = (input: OpenClawConfigInput = {}) => OpenClawConfigSchema.parse(input);

describe("resolveModel", () => {
  test("a custom provider's model gets the documented defaults", async () => {
    const model = await resolveModel(
      { provider: "lmstudio", model: "minimax-m2.1-gs32" },
      config({
        models: {
          providers: {
            lmstudio: {
              baseUrl: "http://localhost:1234/v1",
              api: "openai-completions",
              models: [{ id: "minimax-m2.1-gs32" }],
            },
          },
        },
      }),
    );
    assert.equal(model.id, "minimax-m2.1-gs32");
    assert.equal(model.name, "minimax-m2.1-gs32");
    assert.equal(model.provider, "lmstudio");
    assert.equal(model.api, "openai-completions");
    assert.equal(model.baseUrl, "http://localhost:1234/v1");
    assert.equal(model.reasoning, false);
    assert.deepEqual(model.input, ["text"]);
    assert.deepEqual(model.cost, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
    assert.equal(model.contextWindow, 200_000);
    assert.equal(model.maxTokens, 8192);
  });

  test("the fixture's provider: configured values win over defaults", async () => {
    const model = await resolveModel(
      { provider: "fixture", model: "m1" },
      config({
        models: {
          providers: {
            fixture: {
              baseUrl: "http://127.0.0.1:41881/v1",
              api: "openai-completions",
              models: [
                {
                  id: "m1",
                  name: "Fixture M1",
                  contextWindow: 128000,
                  maxTokens: 4096,
                  input: ["text", "image"],
                },
              ],
            },
          },
        },
      }),
    );
    assert.equal(model.name, "Fixture M1");
    assert.equal(model.contextWindow, 128000);
    assert.equal(model.maxTokens, 4096);
    assert.deepEqual(model.input, ["text", "image"]);
  });

  test("the default output cap never exceeds a small context window", async () => {
    const model = await resolveModel(
      { provider: "tiny", model: "t" },
      config({
        models: {
          providers: { tiny: { baseUrl: "http://x/v1", models: [{ id: "t", contextWindow: 4096 }] } },
        },
      }),
    );
    assert.equal(model.maxTokens, 4096);
  });

  test("a built-in model comes from pi-ai's catalog", async () => {
    const model = await resolveModel({ provider: "anthropic", model: "claude-opus-4-6" }, config());
    const builtin = (await loadBuiltinCatalog("anthropic"))?.["claude-opus-4-6"];
    assert.ok(builtin);
    assert.deepEqual(model, builtin);
    assert.equal(model.api, "anthropic-messages");
  });

  test("a baseUrl configured for a built-in provider id redirects the built-in model", async () => {
    const model = await resolveModel(
      { provider: "anthropic", model: "claude-opus-4-6" },
      config({ models: { providers: { anthropic: { baseUrl: "http://127.0.0.1:9/anthropic" } } } }),
    );
    const builtin = (await loadBuiltinCatalog("anthropic"))!["claude-opus-4-6"]!;
    assert.equal(model.baseUrl, "http://127.0.0.1:9/anthropic");
    assert.equal(model.api, "anthropic-messages");
    assert.equal(model.contextWindow, builtin.contextWindow, "the catalog's figures stay");
    assert.equal(model.maxTokens, builtin.maxTokens);
    assert.deepEqual(model.cost, builtin.cost);
  });

  test('models.mode "replace" hides the built-in catalog', async () => {
    await assert.rejects(
      resolveModel(
        { provider: "anthropic", model: "claude-opus-4-6" },
        config({ models: { mode: "replace" } }),
      ),
      (err: Error) =>
        err instanceof UnknownModelError && err.message === "Unknown model: anthropic/claude-opus-4-6",
    );
    const custom = await resolveModel(
      { provider: "fixture", model: "m1" },
      config({
        models: {
          mode: "replace",
          providers: { fixture: { baseUrl: "http://x/v1", models: [{ id: "m1" }] } },
        },
      }),
    );
    assert.equal(custom.id, "m1");
  });

  test("an unknown model is `Unknown model: <provider>/<model>`", async () => {
    await assert.rejects(resolveModel({ provider: "x", model: "y" }, config()), {
      name: "UnknownModelError",
      message: "Unknown model: x/y",
    });
    await assert.rejects(resolveModel({ provider: "anthropic", model: "claude-nope" }, config()), {
      message: "Unknown model: anthropic/claude-nope",
    });
  });

  test("provider ids are never turned into module paths", async () => {
    assert.equal(await loadBuiltinCatalog("../../package"), undefined);
    assert.equal(await loadBuiltinCatalog("no-such-provider"), undefined);
  });
});
