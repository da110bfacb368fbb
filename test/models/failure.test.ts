import assert from "node:assert/strict";
import { test } from "node:test";
import { blamesCredential, classifyFailure, rotates } from "../../src/models/failure.ts";
import {
  billingDisableMs,
  cooldownMs,
  DEFAULT_COOLDOWN_POLICY,
  withFailure,
  withSuccess,
} from "../../src/models/usage-stats.ts";

test("provider error texts classify into OpenClaw's failure reasons", () => {
  const cases: [string, string][] = [
    [
      '429: {"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}',
      "rate_limit",
    ],
    ['429 {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}', "rate_limit"],
    ['{"error":{"code":429,"message":"Quota","status":"RESOURCE_EXHAUSTED"}}', "rate_limit"],
    ['529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', "rate_limit"],
    ["429: You exceeded your current quota, please check your plan and billing details.", "billing"],
    ["402 Payment Required", "billing"],
    ["400 Your credit balance is too low to access the Anthropic API.", "billing"],
    ['401: {"error":{"message":"Incorrect API key provided: sk-…","code":"invalid_api_key"}}', "auth"],
    ['{"error":{"code":403,"status":"PERMISSION_DENIED"}}', "auth"],
    ['404 {"type":"error","error":{"type":"not_found_error","message":"model: x"}}', "model_not_found"],
    ["400 prompt is too long: 210000 tokens > 200000 maximum", "format"],
    ["Connection error.", "timeout"],
    ["fetch failed: connect ECONNREFUSED 127.0.0.1:9", "timeout"],
    ['500: {"message":"The server had an error"}', "timeout"],
    ["something odd", "unknown"],
  ];
  for (const [text, reason] of cases) assert.equal(classifyFailure(text), reason, text);
});

test("content rejections neither rotate nor blame the credential", () => {
  assert.equal(rotates("format"), false);
  assert.equal(blamesCredential("format"), false);
  assert.equal(rotates("model_not_found"), true);
  assert.equal(blamesCredential("model_not_found"), false);
  for (const r of ["auth", "rate_limit", "billing", "timeout"] as const)
    assert.ok(rotates(r) && blamesCredential(r), r);
});

test("cooldowns step 1 min, 5 min, 25 min, then stay at 1 h; billing doubles from 5 h to 24 h", () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(cooldownMs), [60_000, 300_000, 1_500_000, 3_600_000, 3_600_000]);
  const h = 3_600_000;
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => billingDisableMs(n, DEFAULT_COOLDOWN_POLICY)),
    [5 * h, 10 * h, 20 * h, 24 * h],
  );
});

test("failures accumulate inside the window and start over after it; success clears the cooldown", () => {
  const t0 = 1_000_000;
  const one = withFailure(undefined, "rate_limit", t0);
  assert.deepEqual(one, {
    errorCount: 1,
    failureCounts: { rate_limit: 1 },
    lastFailureAt: t0,
    cooldownUntil: t0 + 60_000,
  });
  const two = withFailure(one, "rate_limit", t0 + 1000);
  assert.equal(two.errorCount, 2);
  assert.equal(two.cooldownUntil, t0 + 1000 + 300_000);
  const later = withFailure(two, "auth", t0 + 25 * 3_600_000);
  assert.deepEqual(later.failureCounts, { auth: 1 }, "counters older than 24 h start over");
  const billed = withFailure(undefined, "billing", t0);
  assert.equal(billed.disabledReason, "billing");
  assert.equal(billed.cooldownUntil, undefined);
  const ok = withSuccess(two, t0 + 2000);
  assert.equal(ok.errorCount, 0);
  assert.equal(ok.cooldownUntil, undefined);
  assert.equal(ok.lastUsed, t0 + 2000);
});
