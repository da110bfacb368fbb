import { execFile } from "node:child_process";
import { readdir, readFile, readlink } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Finds the pid listening on a TCP port: /proc on Linux, else `lsof`. `undefined` when unknown. */
export async function findPortHolder(port: number): Promise<number | undefined> {
  if (process.platform === "linux") {
    const pid = await fromProc(port).catch(() => undefined);
    if (pid) return pid;
  }
  try {
    const { stdout } = await run("lsof", ["-nP", "-t", `-iTCP:${port}`, "-sTCP:LISTEN"], { timeout: 3000 });
    const pid = Number(stdout.trim().split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // lsof missing or nothing found: the caller reports "holder unknown"
  }
}

async function fromProc(port: number): Promise<number | undefined> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is col 1 ("0100007F:4965"), state col 3 ("0A" = LISTEN), inode col 9.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A" && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return Number(entry);
    }
  }
  return undefined;
}

export async function describePid(pid: number): Promise<string> {
  const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const text = cmd.split("\0").filter(Boolean).join(" ");
  return text ? `pid ${pid}: ${text.slice(0, 120)}` : `pid ${pid}`;
}
