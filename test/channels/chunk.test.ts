import assert from "node:assert/strict";
import { test } from "node:test";
import { chunkText } from "../../src/channels/chunk.ts";

test("short text is one chunk, trimmed; empty text is none", () => {
  assert.deepEqual(chunkText("  hello  ", 10), ["hello"]);
  assert.deepEqual(chunkText("   ", 10), []);
});

test("splits at a paragraph break before a line break or a sentence end", () => {
  const text = "First para line one.\nline two.\n\nSecond para. More.";
  assert.deepEqual(chunkText(text, 35), ["First para line one.\nline two.", "Second para. More."]);
});

test("falls back to sentence ends, then spaces, then a hard cut", () => {
  assert.deepEqual(chunkText("One two three. Four five six seven.", 20), [
    "One two three.",
    "Four five six seven.",
  ]);
  assert.deepEqual(chunkText("alpha beta gamma delta", 12), ["alpha beta", "gamma delta"]);
  assert.deepEqual(chunkText("abcdefghij", 4), ["abcd", "efgh", "ij"]);
});

test("every chunk respects the limit and a surrogate pair is never cut", () => {
  const text = "😀".repeat(10);
  const chunks = chunkText(text, 5);
  for (const c of chunks) assert.ok(c.length <= 5);
  assert.equal(chunks.join(""), text);
  assert.ok(chunks.every((c) => !/[\uD800-\uDBFF]$/.test(c)));
});

test("a break too early in the window is skipped for a fuller chunk", () => {
  const text = `Hi.\n\n${"word ".repeat(30).trim()}`;
  const chunks = chunkText(text, 60);
  assert.ok(chunks[0]!.length > 30, chunks[0]);
});

test("rejects a non-positive limit", () => {
  assert.throws(() => chunkText("x", 0), RangeError);
});

test("chunkText: a line cap cuts after the last allowed line, and still within the character limit", () => {
  const list = Array.from({ length: 40 }, (_, i) => `- item ${i + 1}`).join("\n");
  const parts = chunkText(list, 2000, 17);
  assert.deepEqual(
    parts.map((p) => p.split("\n").length),
    [17, 17, 6],
  );
  assert.equal(parts.join("\n"), list, "nothing lost or reordered");
  assert.throws(() => chunkText("x", 10, 0), /line limit must be positive/);
});

test("chunkForChannel: textChunkLimit within the hard limit, maxLinesPerMessage over the platform default", async () => {
  const { chunkForChannel } = await import("../../src/channels/chunk.ts");
  const discord = { maxTextChars: 2000, defaultChunkChars: 2000, defaultMaxLines: 17 };
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
  assert.equal(chunkForChannel(lines, discord, {}).length, 2, "Discord's 17-line default");
  assert.equal(chunkForChannel(lines, discord, { maxLinesPerMessage: 30 }).length, 1);
  assert.equal(
    chunkForChannel(lines, { maxTextChars: 4096, defaultChunkChars: 4000 }, {}).length,
    1,
    "no line cap",
  );
  assert.deepEqual(
    chunkForChannel("a".repeat(50), { maxTextChars: 30, defaultChunkChars: 20 }, { textChunkLimit: 100 }).map(
      (p) => p.length,
    ),
    [30, 20],
    "a textChunkLimit above the platform's hard limit is capped by it",
  );
});
