import assert from "node:assert/strict";
import { test } from "node:test";
import { needsCompaction, planCompaction } from "../../src/agents/compaction.ts";
import { OpenClawConfigSchema } from "../../src/config/schema.ts";
import type { TranscriptEntry } from "../../src/sessions/transcript.ts";

function entries(turns: string[]): TranscriptEntry[] {
  const out: TranscriptEntry[] = [];
  let parent: string | null = null;
  turns.forEach((text, i) => {
    for (const [role, id] of [
      ["user", `u${i}`],
      ["assistant", `a${i}`],
    ] as const) {
      const message =
        role === "user"
          ? { role, content: [{ type: "text", text }], timestamp: i }
          : {
              role,
              content: [{ type: "text", text: "ok" }],
              usage: {
                input: 1,
                output: 1,
                cacheRead: 0,
                cacheWrite: 0,
                totalTokens: 2,
                cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
              },
              stopReason: "stop",
              timestamp: i,
            };
      out.push({ type: "message", id, parentId: parent, timestamp: new Date(i).toISOString(), message });
      parent = id;
    }
  });
  return out;
}

test("a compaction keeps the recent turns that fit and always at least the last one", () => {
  const e = entries(["one", "two", "three", "four"]);
  assert.equal(planCompaction(e, 100_000)?.firstKeptEntryId, "u1", "all but the first turn fit");
  assert.equal(planCompaction(e, 1)?.firstKeptEntryId, "u3", "nothing fits: keep the last turn");
  assert.equal(planCompaction(entries(["only"]), 1), undefined, "a single turn has nothing older");
  const plan = planCompaction(e, 1)!;
  assert.deepEqual(
    plan.older.map((m) => m.role),
    ["user", "assistant", "user", "assistant", "user", "assistant"],
  );
});

test("after a compaction, only what came since counts for the next one", () => {
  const e = entries(["one", "two", "three"]);
  const withCompaction: TranscriptEntry[] = [
    ...e,
    {
      type: "compaction",
      id: "c1",
      parentId: "a2",
      timestamp: "x",
      summary: "s",
      firstKeptEntryId: "u2",
      tokensBefore: 10,
    },
  ];
  assert.equal(planCompaction(withCompaction, 1), undefined, "nothing new since the compaction");
});

test("compaction is needed when the last prompt leaves less than the reserve", () => {
  const config = OpenClawConfigSchema.parse({});
  assert.equal(needsCompaction(100_000, 128_000, config), false);
  assert.equal(
    needsCompaction(110_000, 128_000, config),
    true,
    "within the 20 000-token floor of the window",
  );
  assert.equal(needsCompaction(2_900, 6_000, config), false, "small windows reserve at most half");
  assert.equal(needsCompaction(3_100, 6_000, config), true);
  assert.equal(needsCompaction(undefined, 6_000, config), false);
});
