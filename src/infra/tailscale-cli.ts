import { execFile } from "node:child_process";

/** The `tailscale` command failed or is not installed; `message` says which and how. */
export class TailscaleCliError extends Error {
  override name = "TailscaleCliError";
}

/**
 * Runs the `tailscale` CLI (on PATH, or `OPENCLAW_TAILSCALE_BIN`) and resolves with its stdout.
 * Bounded by `timeoutMs`: a hung daemon must not hold a connect or the start-up.
 */
export function runTailscale(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<string> {
  const bin = env["OPENCLAW_TAILSCALE_BIN"] || "tailscale";
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: timeoutMs, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      const detail =
        code === "ENOENT"
          ? `${bin} is not installed or not on PATH`
          : String(stderr).trim().split("\n")[0] || err.message;
      reject(new TailscaleCliError(`tailscale ${args.join(" ")} failed: ${detail}`, { cause: err }));
    });
  });
}
