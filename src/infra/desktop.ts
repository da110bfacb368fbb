import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";

/** A program that takes the text on stdin, per platform, in order of preference. */
const CLIPBOARD_PROGRAMS: Record<string, readonly (readonly string[])[]> = {
  darwin: [["pbcopy"]],
  win32: [["clip"]],
  linux: [["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]],
};

const OPENERS: Record<string, readonly string[]> = {
  darwin: ["open"],
  win32: ["cmd", "/c", "start", ""],
  linux: ["xdg-open"],
};

/**
 * Whether a browser could appear on this screen: false over SSH and, on Linux, without an X11 or
 * Wayland display (a headless server), where opening would fail or open on nobody's screen.
 */
export function hasDisplay(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  if (env["SSH_CONNECTION"] || env["SSH_TTY"]) return false;
  if (platform === "linux") return Boolean(env["DISPLAY"] || env["WAYLAND_DISPLAY"]);
  return true;
}

async function onPath(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env["PATH"] ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Runs `argv` with `input` on stdin; resolves true when it exits 0 within `timeoutMs`. */
function runQuietly(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  input: string | undefined,
  timeoutMs: number,
) {
  return new Promise<boolean>((resolve) => {
    const [program, ...args] = argv as [string, ...string[]];
    const child = spawn(program, args, {
      env,
      stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"],
      timeout: timeoutMs,
    });
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Copies `text` with the first clipboard program found; false when none is there or it failed. */
export async function copyToClipboard(
  text: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<boolean> {
  for (const argv of CLIPBOARD_PROGRAMS[platform] ?? []) {
    const program = await onPath(argv[0] as string, env);
    if (program && (await runQuietly([program, ...argv.slice(1)], env, text, 3000))) return true;
  }
  return false;
}

/** Asks the desktop to open `url`; false when there is no opener or it failed. */
export async function openInBrowser(
  url: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): Promise<boolean> {
  const argv = OPENERS[platform];
  if (!argv) return false;
  const program = platform === "win32" ? argv[0] : await onPath(argv[0] as string, env);
  if (!program) return false;
  return runQuietly([program, ...argv.slice(1), url], env, undefined, 10_000);
}
