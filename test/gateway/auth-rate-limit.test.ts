import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthRateLimiter, type RateLimitPolicy } from "../../src/gateway/auth-rate-limit.ts";

const policy: RateLimitPolicy = { maxAttempts: 3, windowMs: 60_000, lockoutMs: 300_000 };

test("the failure that reaches maxAttempts locks the address out for lockoutMs", () => {
  const rl = new AuthRateLimiter();
  assert.deepEqual(rl.recordFailure("1.2.3.4", policy, 1000), { allowed: true });
  assert.deepEqual(rl.recordFailure("1.2.3.4", policy, 2000), { allowed: true });
  assert.deepEqual(rl.check("1.2.3.4", policy, 2500), { allowed: true });
  assert.deepEqual(rl.recordFailure("1.2.3.4", policy, 3000), { allowed: false, retryAfterMs: 300_000 });
  assert.deepEqual(rl.check("1.2.3.4", policy, 4000), { allowed: false, retryAfterMs: 299_000 });
  assert.deepEqual(rl.check("5.6.7.8", policy, 4000), { allowed: true }, "other addresses are unaffected");
  assert.deepEqual(rl.check("1.2.3.4", policy, 303_000), { allowed: true }, "the lockout ends");
  assert.deepEqual(
    rl.recordFailure("1.2.3.4", policy, 303_001),
    { allowed: true },
    "and starts a fresh count",
  );
});

test("failures older than windowMs slide out of the count", () => {
  const rl = new AuthRateLimiter();
  rl.recordFailure("a", policy, 0);
  rl.recordFailure("a", policy, 30_000);
  assert.deepEqual(rl.recordFailure("a", policy, 60_001), { allowed: true }, "the first one has expired");
  assert.deepEqual(rl.recordFailure("a", policy, 60_002), { allowed: false, retryAfterMs: 300_000 });
});

test("a success resets the address", () => {
  const rl = new AuthRateLimiter();
  rl.recordFailure("a", policy, 0);
  rl.recordFailure("a", policy, 1);
  rl.reset("a");
  assert.deepEqual(rl.recordFailure("a", policy, 2), { allowed: true });
  assert.deepEqual(rl.recordFailure("a", policy, 3), { allowed: true });
});

test("lockoutMs 0 refuses only until the window has room again", () => {
  const rl = new AuthRateLimiter();
  const p = { ...policy, lockoutMs: 0 };
  rl.recordFailure("a", p, 1000);
  rl.recordFailure("a", p, 2000);
  assert.deepEqual(rl.recordFailure("a", p, 3000), { allowed: false, retryAfterMs: 58_000 });
  assert.deepEqual(rl.check("a", p, 61_000), { allowed: true });
});

test("memory stays bounded under a flood of distinct addresses", () => {
  const rl = new AuthRateLimiter({ maxEntries: 100 });
  for (let i = 0; i < 10_000; i++) rl.recordFailure(`10.0.${i >> 8}.${i & 255}`, policy, i);
  assert.ok(rl.size <= 100, `tracked ${rl.size}`);
  // The most recent offenders are the ones remembered.
  rl.recordFailure("10.0.39.15", policy, 10_001);
  assert.equal(rl.recordFailure("10.0.39.15", policy, 10_002).allowed, false);
});

test("sweep forgets addresses whose failures and lockouts have expired", () => {
  const rl = new AuthRateLimiter();
  rl.recordFailure("a", policy, 0);
  for (let t = 0; t < 3; t++) rl.recordFailure("b", policy, t);
  rl.sweep(policy, 120_000);
  assert.equal(rl.size, 1, "b is still locked out");
  rl.sweep(policy, 400_000);
  assert.equal(rl.size, 0);
});
