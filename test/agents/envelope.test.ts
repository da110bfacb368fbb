import assert from "node:assert/strict";
import { test } from "node:test";
import { envelopeText } from "../../src/agents/envelope.ts";

const AT = new Date("2026-11-25T09:11:00Z");

test("UTC: weekday, date, 24-hour time and zone, then the text", () => {
  assert.equal(envelopeText("hi", AT, "UTC"), "[Wed 2026-11-25 09:11 UTC] hi");
});

test("another zone shows that zone's wall clock and short name", () => {
  assert.equal(envelopeText("hi", AT, "America/New_York"), "[Wed 2026-11-25 04:11 EST] hi");
  assert.equal(envelopeText("hi", AT, "Asia/Tokyo"), "[Wed 2026-11-25 18:11 GMT+9] hi");
});

test("the date and weekday follow the zone across midnight", () => {
  assert.equal(envelopeText("hi", AT, "Pacific/Honolulu"), "[Tue 2026-11-24 23:11 HST] hi");
});

test("midnight is 00, not 24", () => {
  assert.equal(envelopeText("x", new Date("2026-11-25T00:05:00Z"), "UTC"), "[Wed 2026-11-25 00:05 UTC] x");
});

test("the fixture's envelope is reproduced exactly", () => {
  // agents/main/sessions/ea0d621f….jsonl, first user message (timestamp 1795597910551).
  assert.equal(
    envelopeText("Hello! I saw three blue herons at the marsh this morning.", new Date(1795597910551), "UTC"),
    "[Wed 2026-11-25 09:11 UTC] Hello! I saw three blue herons at the marsh this morning.",
  );
});
