import { createWriteStream, type Dirent, type WriteStream } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isErrno } from "./errors.ts";
import type { Redactor } from "./redact.ts";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LevelSetting = LogLevel | "silent";

export interface Logger {
  trace(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: { subsystem: string }): Logger;
}

export interface LogSinkOptions {
  /** Fixed file (logging.file); otherwise one file per host-local day under `dir`. */
  file?: string;
  dir: string;
  fileLevel: LevelSetting;
  consoleLevel: LevelSetting;
  consoleStyle: "pretty" | "compact" | "json";
  redactor: Redactor;
  /** Where console lines go; stderr for the CLI so `--json` stdout stays clean. */
  console: NodeJS.WritableStream;
}

/** Documented caps (reference-gateway §4): 500 MB per file, files older than 24 h removed. */
export const MAX_LOG_FILE_BYTES = 500 * 1024 * 1024;
export const MAX_LOG_AGE_MS = 24 * 60 * 60 * 1000;

export function defaultLogDir(): string {
  return path.join(os.tmpdir(), "openclaw");
}

export function dailyLogFile(dir: string, now: Date): string {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, "0");
  const d = String(now.getDate()).padStart(2, "0");
  return path.join(dir, `openclaw-${y}-${m}-${d}.log`);
}

function levelIndex(level: LevelSetting): number {
  return level === "silent" ? Number.POSITIVE_INFINITY : LOG_LEVELS.indexOf(level);
}

/**
 * The process-wide log sink: JSON lines in tslog's shape (so OpenClaw's own `logs` reader can parse
 * our files) plus a readable console line. Writes are buffered streams: no sync I/O per line.
 */
export class LogSink {
  #opts: LogSinkOptions;
  #stream: WriteStream | undefined;
  #streamFile = "";
  #bytes = 0;

  constructor(opts: LogSinkOptions) {
    this.#opts = opts;
  }

  get redactor(): Redactor {
    return this.#opts.redactor;
  }

  currentFile(now = new Date()): string {
    return this.#opts.file ?? dailyLogFile(this.#opts.dir, now);
  }

  reconfigure(
    patch: Partial<Pick<LogSinkOptions, "fileLevel" | "consoleLevel" | "consoleStyle" | "file">>,
  ): void {
    this.#opts = { ...this.#opts, ...patch };
  }

  write(level: LogLevel, subsystem: string, msg: string, fields: Record<string, unknown> | undefined): void {
    const idx = levelIndex(level);
    const now = new Date();
    const safeMsg = this.#opts.redactor.redactText(msg);
    const safeFields = fields ? (this.#opts.redactor.redact(fields) as Record<string, unknown>) : undefined;
    if (idx >= levelIndex(this.#opts.fileLevel)) this.#writeFile(level, subsystem, safeMsg, safeFields, now);
    if (idx >= levelIndex(this.#opts.consoleLevel))
      this.#writeConsole(level, subsystem, safeMsg, safeFields, now);
  }

  #writeFile(
    level: LogLevel,
    subsystem: string,
    msg: string,
    fields: Record<string, unknown> | undefined,
    now: Date,
  ): void {
    const file = this.currentFile(now);
    if (file !== this.#streamFile) this.#open(file);
    if (this.#bytes > MAX_LOG_FILE_BYTES || !this.#stream) return;
    const record: Record<string, unknown> = { "0": msg };
    if (fields && Object.keys(fields).length > 0) record["1"] = fields;
    record["_meta"] = {
      logLevelName: level.toUpperCase(),
      date: now.toISOString(),
      name: JSON.stringify({ subsystem }),
    };
    record["time"] = now.toISOString();
    const line = `${JSON.stringify(record, jsonSafe)}\n`;
    this.#bytes += Buffer.byteLength(line);
    this.#stream.write(line);
  }

  #open(file: string): void {
    this.#stream?.end();
    this.#streamFile = file;
    this.#bytes = 0;
    try {
      this.#stream = createWriteStream(file, { flags: "a", mode: 0o600 });
      // A log file we cannot write must never take the process down; the console still works.
      this.#stream.on("error", (err) => {
        this.#opts.console.write(`log file ${file} unavailable: ${err.message}\n`);
        this.#stream = undefined;
      });
      this.#stream.on("open", () => {
        void stat(file).then(
          (s) => {
            this.#bytes += s.size;
          },
          () => undefined, // raced with a rotation: the size only gates the cap
        );
      });
    } catch (err) {
      this.#opts.console.write(`log file ${file} unavailable: ${(err as Error).message}\n`);
      this.#stream = undefined;
    }
  }

  #writeConsole(
    level: LogLevel,
    subsystem: string,
    msg: string,
    fields: Record<string, unknown> | undefined,
    now: Date,
  ): void {
    if (this.#opts.consoleStyle === "json") {
      this.#opts.console.write(
        `${JSON.stringify({ time: now.toISOString(), level, subsystem, msg, ...fields }, jsonSafe)}\n`,
      );
      return;
    }
    const time = now.toTimeString().slice(0, 8);
    const tail = fields && Object.keys(fields).length > 0 ? ` ${formatFields(fields)}` : "";
    const tag = level === "info" ? "" : `${level.toUpperCase()} `;
    const prefix = this.#opts.consoleStyle === "compact" ? "" : `${time} `;
    this.#opts.console.write(`${prefix}${tag}[${subsystem}] ${msg}${tail}\n`);
  }

  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    this.#streamFile = "";
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v, jsonSafe)}`)
    .join(" ");
}

export function createLogger(sink: LogSink, subsystem: string): Logger {
  const at =
    (level: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      sink.write(level, subsystem, msg, fields);
  return {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (bindings) => createLogger(sink, bindings.subsystem),
  };
}

const DAILY_LOG_NAME = /^openclaw-\d{4}-\d{2}-\d{2}\.log$/;

/**
 * Removes daily log files older than the retention window (OBS-7); called at gateway start.
 * Never rejects: the caller fires it and forgets it, and one file we cannot remove (another
 * user's, in a shared tmp dir) must neither crash the gateway nor stop the rest being pruned,
 * so such failures go to `log` as warnings.
 */
export async function pruneOldLogs(dir: string, now: number, log: Logger = silentLogger): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, "ENOENT")) return; // no log dir yet: nothing to prune
    log.warn("cannot list the log dir to prune old logs", { dir, err });
    return;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !DAILY_LOG_NAME.test(entry.name)) continue;
    const file = path.join(dir, entry.name);
    try {
      if (now - (await stat(file)).mtimeMs > MAX_LOG_AGE_MS) await rm(file);
    } catch (err) {
      if (isErrno(err, "ENOENT")) continue; // another gateway pruned it first
      log.warn("cannot remove an old log file", { file, err });
    }
  }
}

export async function ensureLogDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** A logger that drops everything; for pure code paths under test. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
