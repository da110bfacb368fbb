import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BUILTIN_ALIASES,
  DEFAULT_MODEL_REF,
  formatModelRef,
  normalizeProviderId,
  parseModelRef,
  resolveModelRef,
} from "../../src/models/model-ref.ts";

describe("parseModelRef", () => {
  test("splits on the first slash", () => {
    assert.deepEqual(parseModelRef("fixture/m1"), { provider: "fixture", model: "m1" });
    assert.deepEqual(parseModelRef("openrouter/moonshotai/kimi-k2"), {
      provider: "openrouter",
      model: "moonshotai/kimi-k2",
    });
  });

  test("normalizes the provider (case, aliases) and trims both parts, keeping the model's case", () => {
    assert.deepEqual(parseModelRef(" Anthropic / claude-opus-4-6 "), {
      provider: "anthropic",
      model: "claude-opus-4-6",
    });
    assert.deepEqual(parseModelRef("z.ai/glm-4.7"), { provider: "zai", model: "glm-4.7" });
    assert.deepEqual(parseModelRef("Z-AI/glm-4.7"), { provider: "zai", model: "glm-4.7" });
    assert.deepEqual(parseModelRef("bedrock/anthropic.claude-v2"), {
      provider: "amazon-bedrock",
      model: "anthropic.claude-v2",
    });
    assert.deepEqual(parseModelRef("lmstudio/MiniMax-M2.1"), { provider: "lmstudio", model: "MiniMax-M2.1" });
  });

  test("is undefined without both parts", () => {
    for (const text of ["opus", "/m1", "fixture/", " / ", ""])
      assert.equal(parseModelRef(text), undefined, text);
  });

  test("formatModelRef is its inverse", () => {
    assert.equal(
      formatModelRef(parseModelRef("openrouter/moonshotai/kimi-k2")!),
      "openrouter/moonshotai/kimi-k2",
    );
  });
});

test("normalizeProviderId knows 2.26's provider spellings", () => {
  assert.equal(normalizeProviderId("OpenCode-Zen"), "opencode");
  assert.equal(normalizeProviderId("qwen"), "qwen-portal");
  assert.equal(normalizeProviderId("kimi-code"), "kimi-coding");
  assert.equal(normalizeProviderId("openai"), "openai");
});

describe("resolveModelRef", () => {
  test("built-in aliases, case-insensitive", () => {
    assert.deepEqual(resolveModelRef("opus"), { provider: "anthropic", model: "claude-opus-4-6" });
    assert.deepEqual(resolveModelRef("Sonnet"), { provider: "anthropic", model: "claude-sonnet-4-6" });
    assert.deepEqual(resolveModelRef("gpt-mini"), { provider: "openai", model: "gpt-5-mini" });
    assert.equal(BUILTIN_ALIASES["gemini-flash"], "google/gemini-3-flash-preview");
    assert.equal(DEFAULT_MODEL_REF, "anthropic/claude-opus-4-6");
  });

  test("user aliases win over built-ins", () => {
    assert.deepEqual(resolveModelRef("opus", { opus: "fixture/m1" }), { provider: "fixture", model: "m1" });
    assert.deepEqual(resolveModelRef("fast", { fast: "groq/llama-3.3-70b" }), {
      provider: "groq",
      model: "llama-3.3-70b",
    });
  });

  test("a plain ref passes through", () => {
    assert.deepEqual(resolveModelRef("fixture/m1"), { provider: "fixture", model: "m1" });
  });

  test("a bare model name is a model of the default provider, when one is given", () => {
    assert.equal(resolveModelRef("gpt-5.2"), undefined);
    assert.deepEqual(resolveModelRef("gpt-5.2", {}, "openai"), { provider: "openai", model: "gpt-5.2" });
    assert.deepEqual(resolveModelRef("opus", {}, "openai"), {
      provider: "anthropic",
      model: "claude-opus-4-6",
    });
  });
});
