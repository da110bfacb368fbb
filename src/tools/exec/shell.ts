import path from "node:path";
import { resolveProgram } from "../exec-approvals/resolve-program.ts";

/** The shell that runs exec commands on the host, and how. */
export interface HostShell {
  /** Absolute path of the shell binary. */
  file: string;
  /** Its basename (`bash`, `zsh`…), which the allowlist analysis needs (`time` is a keyword in some). */
  name: string;
}

const POSIX_SHELLS = new Set(["bash", "zsh", "sh", "dash"]);

/**
 * The user's shell when it is a POSIX one (reference-agent §2.7: "host uses the user's shell, bash
 * over fish"), else bash, else `/bin/sh`. Commands run with `-c`, not as a login shell: a login
 * shell would re-read profile files that may rewrite PATH, and the program the allowlist resolved
 * must be the one that runs.
 */
export async function pickHostShell(env: Record<string, string | undefined>): Promise<HostShell> {
  const lookup = { cwd: "/", pathEnv: env["PATH"] ?? "/usr/bin:/bin" };
  const user = env["SHELL"];
  if (user && path.isAbsolute(user) && POSIX_SHELLS.has(path.basename(user))) {
    const found = await resolveProgram(user, lookup);
    if (found) return { file: found.lookupPath, name: path.basename(user) };
  }
  const bash = await resolveProgram("bash", lookup);
  if (bash) return { file: bash.lookupPath, name: "bash" };
  return { file: "/bin/sh", name: "sh" };
}
