import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { newestDailyLog, readLastLines, redactLogLine } from "../../src/infra/log-tail.ts";
import { Redactor } from "../../src/infra/redact.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const freshDir = tempDirs("logtail");

test("newestDailyLog picks the latest date by name and ignores other files", async () => {
  const dir = await freshDir();
  for (const name of ["openclaw-2026-01-09.log", "openclaw-2026-01-10.log", "openclaw-zzz.log", "other.log"])
    await writeFile(path.join(dir, name), "x\n");
  assert.equal(await newestDailyLog(dir), path.join(dir, "openclaw-2026-01-10.log"));
  assert.equal(await newestDailyLog(await freshDir()), undefined);
  assert.equal(await newestDailyLog(path.join(await freshDir(), "missing")), undefined);
});

test("readLastLines returns whole lines from the end, reading only the last maxBytes", async () => {
  const dir = await freshDir();
  const file = path.join(dir, "big.log");
  const lines = Array.from({ length: 1000 }, (_, i) => `line-${i}`);
  await writeFile(file, `${lines.join("\n")}\n`);
  assert.deepEqual(await readLastLines(file, 3), ["line-997", "line-998", "line-999"]);
  // 40 bytes from the end cuts a line in two; the cut one is dropped, never shown half.
  const cut = await readLastLines(file, 100, 40);
  assert.ok(cut.length > 0 && cut.every((l) => lines.includes(l)), cut.join(","));
  assert.equal(cut.at(-1), "line-999");
  assert.deepEqual(await readLastLines(path.join(dir, "absent.log"), 5), []);
});

test("redactLogLine masks secrets the writer did not know, by value and by key", () => {
  const r = new Redactor();
  r.registerSecretsIn({ models: { providers: { p: { apiKey: "sk-late-registered-01" } } }, other: "plain" });
  const line = JSON.stringify({
    "0": "model request failed",
    "1": { error: "Incorrect API key provided: sk-late-registered-01", password: "hunter2hunter2" },
    _meta: { logLevelName: "WARN" },
  });
  const out = redactLogLine(line, r);
  assert.equal(out.includes("sk-late-registered-01"), false, out);
  assert.equal(out.includes("hunter2hunter2"), false, out);
  assert.equal((JSON.parse(out) as Record<string, unknown>)["0"], "model request failed");
  assert.equal(redactLogLine("not json sk-late-registered-01", r).includes("sk-late-registered-01"), false);
  assert.equal(redactLogLine("plain", r), "plain", "only secret-named keys were registered");
});
