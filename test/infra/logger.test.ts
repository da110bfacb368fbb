import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { readTextIfExists } from "../../src/infra/json-file.ts";
import {
  createLogger,
  dailyLogFile,
  type LevelSetting,
  LogSink,
  type LogSinkOptions,
  pruneOldLogs,
} from "../../src/infra/logger.ts";
import { Redactor } from "../../src/infra/redact.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const SECRET = "sk-secret-abcdef123456";

const freshDir = tempDirs("logger");

/** A console that keeps what was written, as the terminal would show it. */
function captureConsole(): { stream: Writable; text(): string } {
  let out = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

interface Harness {
  sink: LogSink;
  redactor: Redactor;
  console(): string;
  /** Closes the sink (flushing the file) and returns the parsed lines of `file`. */
  records(file?: string): Promise<Record<string, unknown>[]>;
}

async function makeSink(
  opts: Partial<Omit<LogSinkOptions, "console" | "redactor">> & { secrets?: string[] } = {},
): Promise<Harness> {
  const dir = opts.dir ?? (await freshDir());
  const redactor = new Redactor();
  for (const s of opts.secrets ?? []) redactor.registerSecret(s);
  const cons = captureConsole();
  const sink = new LogSink({
    dir,
    fileLevel: "info",
    consoleLevel: "info",
    consoleStyle: "pretty",
    ...opts,
    redactor,
    console: cons.stream,
  });
  return {
    sink,
    redactor,
    console: cons.text,
    async records(file = sink.currentFile()) {
      await sink.close();
      const text = await readFile(file, "utf8");
      return text
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

describe("LogSink file format", () => {
  test("one tslog-shaped JSON line per record in openclaw-YYYY-MM-DD.log", async () => {
    const dir = await freshDir();
    const h = await makeSink({ dir });
    const log = createLogger(h.sink, "gateway").child({ subsystem: "channels/telegram" });
    const before = new Date();
    log.info("polling started", { accountId: "default", attempt: 2 });
    log.warn("no fields here");
    const after = new Date();
    const recs = await h.records();

    const names = await readdir(dir);
    assert.equal(names.length, 1);
    assert.match(names[0]!, /^openclaw-\d{4}-\d{2}-\d{2}\.log$/);
    // Host-local date (OBS-5); the test may straddle midnight, so either end of it is right.
    assert.ok(
      [dailyLogFile(dir, before), dailyLogFile(dir, after)].includes(path.join(dir, names[0]!)),
      names[0],
    );

    assert.equal(recs.length, 2);
    const [first, second] = recs as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(first["0"], "polling started");
    assert.deepEqual(first["1"], { accountId: "default", attempt: 2 });
    const meta = first["_meta"] as Record<string, unknown>;
    assert.equal(meta["logLevelName"], "INFO");
    assert.deepEqual(JSON.parse(String(meta["name"])), { subsystem: "channels/telegram" });
    assert.ok(!Number.isNaN(Date.parse(String(first["time"]))), "time is an ISO timestamp");
    assert.ok(!Number.isNaN(Date.parse(String(meta["date"]))));
    assert.equal(second["0"], "no fields here");
    assert.equal("1" in second, false, "no empty positional part");
    assert.equal((second["_meta"] as Record<string, unknown>)["logLevelName"], "WARN");
  });

  test("the daily file name uses the host-local calendar date", () => {
    assert.equal(
      dailyLogFile("/x", new Date(2026, 0, 5, 23, 59)),
      path.join("/x", "openclaw-2026-01-05.log"),
    );
    assert.equal(
      dailyLogFile("/x", new Date(2026, 10, 30, 0, 0)),
      path.join("/x", "openclaw-2026-11-30.log"),
    );
  });

  test("logging.file moves the log to that fixed path", async () => {
    const dir = await freshDir();
    const fixedDir = await freshDir();
    const file = path.join(fixedDir, "custom.log");
    const h = await makeSink({ dir, file });
    assert.equal(h.sink.currentFile(), file);
    createLogger(h.sink, "gateway").info("hello");
    const recs = await h.records(file);
    assert.deepEqual(
      recs.map((r) => r["0"]),
      ["hello"],
    );
    assert.deepEqual(await readdir(dir), [], "nothing in the daily dir");
  });

  test("the file is created owner-only", async () => {
    const h = await makeSink();
    createLogger(h.sink, "gateway").info("hello");
    const file = h.sink.currentFile();
    await h.records(file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });
});

describe("LogSink levels", () => {
  async function levelsSeen(fileLevel: LevelSetting, consoleLevel: LevelSetting) {
    const h = await makeSink({ fileLevel, consoleLevel });
    const log = createLogger(h.sink, "t");
    for (const level of ["trace", "debug", "info", "warn", "error"] as const) log[level](`at-${level}`);
    const file = h.sink.currentFile();
    await h.sink.close();
    const text = (await readTextIfExists(file)) ?? ""; // a level that wrote nothing made no file
    const inFile = text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => String((JSON.parse(l) as Record<string, unknown>)["0"]));
    const onConsole = [...h.console().matchAll(/at-(\w+)/g)].map((m) => m[0]);
    return { inFile, onConsole };
  }

  test("file and console filter separately", async () => {
    const seen = await levelsSeen("warn", "debug");
    assert.deepEqual(seen.inFile, ["at-warn", "at-error"]);
    assert.deepEqual(seen.onConsole, ["at-debug", "at-info", "at-warn", "at-error"]);
  });

  test("trace reaches the file when asked; silent keeps the console quiet", async () => {
    const seen = await levelsSeen("trace", "silent");
    assert.deepEqual(seen.inFile, ["at-trace", "at-debug", "at-info", "at-warn", "at-error"]);
    assert.deepEqual(seen.onConsole, []);
  });

  test("reconfigure changes the levels for later records", async () => {
    const h = await makeSink({ fileLevel: "error", consoleLevel: "error" });
    const log = createLogger(h.sink, "t");
    log.info("before");
    h.sink.reconfigure({ fileLevel: "info", consoleLevel: "info" });
    log.info("after");
    const recs = await h.records();
    assert.deepEqual(
      recs.map((r) => r["0"]),
      ["after"],
    );
    assert.doesNotMatch(h.console(), /before/);
    assert.match(h.console(), /\[t\] after/);
  });
});

describe("LogSink redaction", () => {
  test("a registered secret never reaches the file or any console style", async () => {
    for (const consoleStyle of ["pretty", "compact", "json"] as const) {
      const h = await makeSink({ consoleStyle, secrets: [SECRET] });
      const log = createLogger(h.sink, "models");
      const apiError = new Error(`401 Incorrect API key provided: ${SECRET}.`);
      log.error(`request failed with key ${SECRET}`, {
        err: apiError,
        request: { headers: { "x-custom": `Bearer ${SECRET}` }, attempts: [{ note: `used ${SECRET}` }] },
        wrapped: { cause: new Error(`inner ${SECRET}`) },
      });
      const file = h.sink.currentFile();
      const recs = await h.records(file);
      const text = await readFile(file, "utf8");
      assert.equal(text.includes(SECRET), false, `file (${consoleStyle}): ${text}`);
      assert.equal(h.console().includes(SECRET), false, `console (${consoleStyle}): ${h.console()}`);
      // Still useful: the message, the error text and its stack survive, masked.
      const rec = recs[0]!;
      assert.match(String(rec["0"]), /^request failed with key sk-s/);
      const fields = rec["1"] as Record<string, unknown>;
      assert.match(String(fields["err"]), /Incorrect API key provided/);
      assert.match(String(fields["err"]), /at /, "the stack is kept");
      assert.match(h.console(), /request failed with key/);
    }
  });

  test("values under token/password/apiKey/authorization keys are masked without registration", async () => {
    const values = {
      token: "tok-0123456789abcdef",
      password: "hunter2hunter2",
      apiKey: "sk-unregistered-0001",
      authorization: "Bearer unregistered-bearer",
      short: { botToken: "12345:AA", api_key: "abc" },
    };
    const h = await makeSink({ consoleStyle: "json" });
    createLogger(h.sink, "t").info("creds", { nested: values });
    const file = h.sink.currentFile();
    await h.records(file);
    const text = await readFile(file, "utf8");
    for (const secret of [values.token, values.password, values.apiKey, values.authorization, "12345:AA"]) {
      assert.equal(text.includes(secret), false, `${secret} in ${text}`);
      assert.equal(h.console().includes(secret), false, `${secret} on console`);
    }
    const fields = (JSON.parse(text.trim()) as Record<string, { nested: Record<string, unknown> }>)["1"]!;
    assert.deepEqual(Object.keys(fields.nested), Object.keys(values), "keys stay, values go");
  });

  test("numbers under token-ish keys (usage counters) are kept", async () => {
    const h = await makeSink();
    createLogger(h.sink, "t").info("usage", { inputTokens: 12, totalTokens: 40 });
    const recs = await h.records();
    assert.deepEqual(recs[0]!["1"], { inputTokens: 12, totalTokens: 40 });
  });

  test("a secret key nested deeper than the walk goes never reaches the file", async () => {
    let deep: Record<string, unknown> = { apiKey: "sk-deeply-nested-000001" };
    for (let i = 0; i < 40; i++) deep = { level: deep };
    const h = await makeSink();
    createLogger(h.sink, "t").info("deep", { deep });
    const file = h.sink.currentFile();
    await h.records(file);
    assert.equal((await readFile(file, "utf8")).includes("sk-deeply-nested-000001"), false);
  });

  test("a circular field value is logged, not thrown", async () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop["self"] = loop;
    const h = await makeSink();
    const log = createLogger(h.sink, "t");
    assert.doesNotThrow(() => log.info("circular", { loop }));
    log.info("next");
    const recs = await h.records();
    assert.deepEqual(
      recs.map((r) => r["0"]),
      ["circular", "next"],
    );
  });

  test("a Date field is logged as its ISO string, and a URL's href is masked", async () => {
    const h = await makeSink({ secrets: [SECRET] });
    const at = new Date(Date.UTC(2026, 1, 3, 4, 5, 6));
    createLogger(h.sink, "t").info("dated", { at, url: new URL(`https://example.test/x?key=${SECRET}`) });
    const recs = await h.records();
    const fields = recs[0]!["1"] as Record<string, unknown>;
    assert.equal(fields["at"], "2026-02-03T04:05:06.000Z");
    assert.match(String(fields["url"]), /^https:\/\/example\.test\/x\?key=sk-s/);
    assert.equal(String(fields["url"]).includes(SECRET), false);
  });

  test("the Redactor masks registered secrets in plain text and ignores very short ones", () => {
    const r = new Redactor();
    r.registerSecret(SECRET);
    r.registerSecret("abc"); // too short to mask without wrecking ordinary words
    assert.equal(r.redactText(`a ${SECRET} b ${SECRET}`).includes(SECRET), false);
    assert.equal(r.redactText("abc def"), "abc def");
  });
});

describe("LogSink failures", () => {
  test("an unwritable log file never throws; the console keeps working and says why", async () => {
    const base = await freshDir();
    const notADir = path.join(base, "plain-file");
    await writeFile(notADir, "x");
    const h = await makeSink({ dir: path.join(notADir, "logs") });
    const log = createLogger(h.sink, "gateway");
    assert.doesNotThrow(() => log.info("first"));
    await h.sink.close();
    assert.doesNotThrow(() => log.info("second"));
    await h.sink.close();
    const out = h.console();
    assert.match(out, /\[gateway\] first/);
    assert.match(out, /\[gateway\] second/);
    assert.match(out, /log file .* unavailable/);
  });

  test("a fixed logging.file that is a directory never throws", async () => {
    const dir = await freshDir();
    const h = await makeSink({ dir, file: dir });
    const log = createLogger(h.sink, "gateway");
    assert.doesNotThrow(() => log.error("boom"));
    await h.sink.close();
    assert.match(h.console(), /\[gateway\] boom/);
  });
});

describe("pruneOldLogs", () => {
  test("removes only openclaw-*.log files older than 24 h", async () => {
    const dir = await freshDir();
    const now = Date.now();
    const old = new Date(now - 25 * 60 * 60 * 1000);
    const files = {
      oldDaily: "openclaw-2020-01-01.log",
      freshDaily: "openclaw-2020-01-02.log",
      oldOther: "gateway.log",
      oldSimilar: "openclaw-notes.txt",
      oldCustom: "openclaw-custom.log.bak",
    };
    for (const name of Object.values(files)) await writeFile(path.join(dir, name), "x\n");
    for (const name of [files.oldDaily, files.oldOther, files.oldSimilar, files.oldCustom])
      await utimes(path.join(dir, name), old, old);
    // A directory that happens to look like a log is not ours to remove, and must not stop the rest.
    await mkdir(path.join(dir, "openclaw-2019-12-31.log"));
    await utimes(path.join(dir, "openclaw-2019-12-31.log"), old, old);

    await pruneOldLogs(dir, now);

    assert.deepEqual((await readdir(dir)).sort(), [
      "gateway.log",
      "openclaw-2019-12-31.log",
      "openclaw-2020-01-02.log",
      "openclaw-custom.log.bak",
      "openclaw-notes.txt",
    ]);
  });

  test("a missing log dir is nothing to prune", async () => {
    await pruneOldLogs(path.join(await freshDir(), "never-created"), Date.now());
  });
});
