import assert from "node:assert/strict";
import { test } from "node:test";
import { describeModelError } from "../../src/models/errors.ts";

const MODEL = { provider: "fixture", id: "m1", baseUrl: "http://127.0.0.1:41881/v1" };

test("rejected credentials name the key's source and keep the provider's words", () => {
  const text = describeModelError("401 Incorrect API key provided: sk-fi***", MODEL, "profile:fixture:a");
  assert.match(text, /^fixture\/m1: the provider rejected the credentials \(key from profile:fixture:a\)/);
  assert.match(text, /Provider said: 401 Incorrect API key provided/);
  assert.match(describeModelError("PERMISSION_DENIED: no access", MODEL), /rejected the credentials\. /);
});

test("a rate limit starts with OpenClaw's user-facing phrase", () => {
  const raw = "429 Rate limit exceeded for this API key. Please slow down.";
  const text = describeModelError(raw, MODEL);
  assert.ok(text.startsWith("LLM request rate limited. fixture/m1: "));
  assert.ok(text.endsWith(`Provider said: ${raw}`));
  assert.match(describeModelError("RESOURCE_EXHAUSTED", MODEL), /^LLM request rate limited\./);
});

test("a connection failure names the base URL", () => {
  const text = describeModelError("connect ECONNREFUSED 127.0.0.1:41881", MODEL);
  assert.match(
    text,
    /could not reach the model API at http:\/\/127\.0\.0\.1:41881\/v1 \(connection failed\)/,
  );
  assert.match(describeModelError("fetch failed", { ...MODEL, baseUrl: "" }), /at its default endpoint/);
});

test("a timeout says the API did not answer in time", () => {
  assert.match(describeModelError("Request timed out.", MODEL), /did not answer in time/);
});

test("a server-side failure is not blamed on the configuration", () => {
  for (const raw of ["503 Service Unavailable", "529 overloaded_error", "500 Internal Server Error"]) {
    assert.match(describeModelError(raw, MODEL), /server-side error \(it is not your configuration\)/, raw);
  }
});

test("anything else keeps the raw text", () => {
  assert.equal(
    describeModelError("400 context length exceeded", MODEL),
    "fixture/m1: LLM request failed: 400 context length exceeded",
  );
  assert.equal(describeModelError(undefined, MODEL), "fixture/m1: LLM request failed: unknown error");
});
