import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isSessionStale,
  lastDailyReset,
  resetRuleFor,
  sessionKindOf,
} from "../../src/sessions/reset-policy.ts";

const at = (iso: string): Date => new Date(iso);

test("the default rule is daily at 04:00 host time; a lone legacy idleMinutes means idle-only", () => {
  assert.deepEqual(resetRuleFor(undefined, "direct", "webchat"), {
    mode: "daily",
    atHour: 4,
    idleMinutes: undefined,
  });
  assert.deepEqual(resetRuleFor({ idleMinutes: 30 }, "direct", undefined), {
    mode: "idle",
    atHour: 4,
    idleMinutes: 30,
  });
  assert.deepEqual(resetRuleFor({ reset: { mode: "idle" } }, "direct", undefined), {
    mode: "idle",
    atHour: 4,
    idleMinutes: 60,
  });
  assert.deepEqual(
    resetRuleFor({ reset: { mode: "daily", atHour: 6, idleMinutes: 90 } }, "group", undefined),
    {
      mode: "daily",
      atHour: 6,
      idleMinutes: 90,
    },
  );
});

test("per-channel beats per-type beats session.reset", () => {
  const cfg = {
    reset: { mode: "daily" as const, atHour: 4 },
    resetByType: { group: { mode: "idle" as const, idleMinutes: 10 } },
    resetByChannel: { telegram: { mode: "manual" as const } },
  };
  assert.equal(resetRuleFor(cfg, "group", "discord").mode, "idle");
  assert.equal(resetRuleFor(cfg, "group", "telegram").mode, "manual");
  assert.equal(resetRuleFor(cfg, "direct", "discord").mode, "daily");
  assert.equal(
    resetRuleFor({ resetByType: { dm: { mode: "manual" } } }, "direct", undefined).mode,
    "manual",
    "legacy dm key",
  );
});

test("daily staleness uses the latest reset instant before now", () => {
  const now = at("2026-11-25T10:00:00");
  assert.equal(lastDailyReset(now, 4).getTime(), at("2026-11-25T04:00:00").getTime());
  assert.equal(lastDailyReset(at("2026-11-25T03:00:00"), 4).getTime(), at("2026-11-24T04:00:00").getTime());
  const daily = resetRuleFor(undefined, "direct", undefined);
  assert.equal(isSessionStale(daily, at("2026-11-25T03:59:00").getTime(), now), true);
  assert.equal(isSessionStale(daily, at("2026-11-25T04:01:00").getTime(), now), false);
});

test("idle windows slide; with daily and idle both set, the first to expire wins; manual never expires", () => {
  const now = at("2026-11-25T10:00:00");
  const idle = resetRuleFor({ reset: { mode: "idle", idleMinutes: 30 } }, "direct", undefined);
  assert.equal(isSessionStale(idle, now.getTime() - 29 * 60_000, now), false);
  assert.equal(isSessionStale(idle, now.getTime() - 31 * 60_000, now), true);
  const both = resetRuleFor({ reset: { mode: "daily", idleMinutes: 30 } }, "direct", undefined);
  assert.equal(isSessionStale(both, at("2026-11-25T09:00:00").getTime(), now), true, "idle expired first");
  assert.equal(
    isSessionStale(resetRuleFor({ reset: { mode: "manual" } }, "direct", undefined), 0, now),
    false,
  );
});

test("session kinds come from the key", () => {
  assert.equal(sessionKindOf("agent:main:main"), "direct");
  assert.equal(sessionKindOf("agent:main:telegram:group:-100"), "group");
  assert.equal(sessionKindOf("agent:main:telegram:group:-100:topic:7"), "thread");
  assert.equal(sessionKindOf("agent:main:discord:channel:1:thread:2"), "thread");
});
