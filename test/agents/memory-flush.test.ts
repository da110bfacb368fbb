import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { planMemoryFlush, recordMemoryFlush } from "../../src/agents/memory-flush.ts";
import { type OpenClawConfig, OpenClawConfigSchema } from "../../src/config/schema.ts";
import { createTestHome } from "../harness/gateway.ts";

const NOW = new Date("2026-11-25T23:30:00Z");
const cfg = (compaction: Record<string, unknown> = {}): OpenClawConfig =>
  OpenClawConfigSchema.parse({ agents: { defaults: { compaction } } });

test("planMemoryFlush: threshold = window − reserveTokensFloor − softThresholdTokens, once per cycle", () => {
  // Defaults: floor 20000, soft 4000 → a 128k window flushes from 104,000 prompt tokens.
  const table: {
    name: string;
    config?: OpenClawConfig;
    tokens: number | undefined;
    window?: number;
    entry?: { compactionCount?: number; memoryFlushCompactionCount?: number };
    runs: boolean;
  }[] = [
    { name: "no answer yet", tokens: undefined, runs: false },
    { name: "below the threshold", tokens: 103_999, runs: false },
    { name: "at the threshold", tokens: 104_000, runs: true },
    {
      name: "flushed in this cycle already",
      tokens: 110_000,
      entry: { memoryFlushCompactionCount: 0 },
      runs: false,
    },
    {
      name: "flushed in an earlier cycle",
      tokens: 110_000,
      entry: { compactionCount: 2, memoryFlushCompactionCount: 1 },
      runs: true,
    },
    { name: "disabled", config: cfg({ memoryFlush: { enabled: false } }), tokens: 120_000, runs: false },
    { name: "window too small for the threshold", tokens: 20_000, window: 24_000, runs: false },
    {
      name: "custom floor and soft threshold",
      config: cfg({ reserveTokensFloor: 1000, memoryFlush: { softThresholdTokens: 1000 } }),
      tokens: 4000,
      window: 6000,
      runs: true,
    },
  ];
  for (const c of table) {
    const plan = planMemoryFlush(c.config ?? cfg(), {
      promptTokens: c.tokens,
      contextWindow: c.window ?? 128_000,
      entry: c.entry ?? {},
      now: NOW,
      timeZone: "UTC",
    });
    assert.equal(plan !== undefined, c.runs, c.name);
  }
});

test("planMemoryFlush: the default prompts, with today's date in the user's time zone", () => {
  const gate = { promptTokens: 110_000, contextWindow: 128_000, entry: {}, now: NOW };
  const utc = planMemoryFlush(cfg(), { ...gate, timeZone: "UTC" });
  assert.deepEqual(utc, {
    prompt: "Write any lasting notes to memory/2026-11-25.md; reply with NO_REPLY if nothing to store.",
    systemPrompt:
      "Session nearing compaction. Store durable memories now.\n\nIf no user-visible reply is needed, start with NO_REPLY.",
  });
  const tokyo = planMemoryFlush(cfg(), { ...gate, timeZone: "Asia/Tokyo" });
  assert.match(tokyo!.prompt, /memory\/2026-11-26\.md/);
});

test("planMemoryFlush: configured prompts are used, and always allow a silent answer", () => {
  const plan = planMemoryFlush(
    cfg({ memoryFlush: { prompt: "Save notes.", systemPrompt: "Flush time. NO_REPLY ok." } }),
    {
      promptTokens: 110_000,
      contextWindow: 128_000,
      entry: {},
      now: NOW,
      timeZone: "UTC",
    },
  );
  assert.equal(plan?.prompt, "Save notes.\n\nIf no user-visible reply is needed, start with NO_REPLY.");
  assert.equal(plan?.systemPrompt, "Flush time. NO_REPLY ok.");
});

test("recordMemoryFlush marks the current compaction cycle on the entry, keeping other fields", async (t) => {
  const home = await createTestHome();
  t.after(() => home.cleanup());
  const file = path.join(home.root, "sessions.json");
  await writeFile(
    file,
    JSON.stringify({
      "agent:main:main": { sessionId: "s1", updatedAt: 1, compactionCount: 3, label: "keep" },
    }),
  );
  await recordMemoryFlush(file, "agent:main:main", NOW);
  const entry = JSON.parse(await readFile(file, "utf8"))["agent:main:main"];
  assert.equal(entry.memoryFlushAt, NOW.getTime());
  assert.equal(entry.memoryFlushCompactionCount, 3);
  assert.equal(entry.label, "keep");
});
