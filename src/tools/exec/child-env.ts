import { isDangerousAssignment } from "../exec-approvals/command-analysis.ts";

// The environment an exec child gets (reference-agent §2.7). The gateway's own environment carries
// provider keys and bot tokens, and variables that make interpreters load code before the command
// runs; neither is passed on. What remains is the ordinary environment of a login session.

/**
 * Variables that make a shell or interpreter run or load code the command did not name
 * (preloads, startup files, module paths, imported shell functions) or change how it parses.
 */
const INTERPRETER_HOOKS =
  /^(NODE_OPTIONS|NODE_PATH|NODE_REPL_EXTERNAL_MODULE|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|PYTHONINSPECT|PYTHONUSERBASE|LD_\w*|DYLD_\w*|BASH_ENV|ENV|BASH_FUNC_.*|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|IFS|CDPATH|GLOBIGNORE|ZDOTDIR|PERL5OPT|PERL5LIB|PERLLIB|PERL5DB|RUBYOPT|RUBYLIB|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|GIT_SSH|GIT_SSH_COMMAND|GIT_EXEC_PATH|GIT_ASKPASS|GIT_EXTERNAL_DIFF|GIT_PAGER|GIT_EDITOR|GIT_CONFIG\w*|SSH_ASKPASS|GCONV_PATH|LOCPATH|NLSPATH|OPENSSL_CONF|OPENSSL_ENGINES)$/;

/** Credentials the gateway holds for itself: provider keys, channel tokens, its own auth. */
const SECRETS =
  /(^OPENCLAW_GATEWAY_(TOKEN|PASSWORD)$|_API_KEY$|_APIKEY$|_TOKEN$|_SECRET$|_SECRET_KEY$|_PASSWORD$|_ACCESS_KEY(_ID)?$|^AWS_SESSION_TOKEN$|^GH_TOKEN$|^GITHUB_TOKEN$)/i;

/** Whether the gateway's value of `name` is withheld from exec children. */
export function isWithheldFromChild(name: string): boolean {
  return INTERPRETER_HOOKS.test(name) || SECRETS.test(name);
}

export type EnvOverrideCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks the tool call's `env` object. Host runs never take `PATH` or `LD_*`/`DYLD_*` from the
 * model (reference-agent §2.7); outside `security=full` no variable that changes which code runs
 * may be set either, or an allowlisted program could be made to run anything.
 */
export function checkEnvOverrides(env: Record<string, string>, strict: boolean): EnvOverrideCheck {
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      return { ok: false, reason: `invalid variable name "${name}"` };
    if (name === "PATH" || /^(LD_|DYLD_)/.test(name))
      return { ok: false, reason: `env.${name} cannot be set for host exec` };
    if (strict && (isDangerousAssignment(name) || INTERPRETER_HOOKS.test(name)))
      return { ok: false, reason: `env.${name} cannot be set unless exec security is full` };
  }
  return { ok: true };
}

export interface ChildEnvInputs {
  /** The gateway's environment. */
  base: NodeJS.ProcessEnv;
  /** `tools.exec.pathPrepend`: directories put in front of PATH. */
  pathPrepend?: readonly string[];
  /** The call's `env` (already checked with `checkEnvOverrides`). */
  overrides?: Record<string, string>;
}

/** Builds the child's environment. Pure. */
export function buildChildEnv(inputs: ChildEnvInputs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs.base)) {
    if (v === undefined || isWithheldFromChild(k)) continue;
    out[k] = v;
  }
  const basePath = out["PATH"] ?? "/usr/local/bin:/usr/bin:/bin";
  out["PATH"] = [...(inputs.pathPrepend ?? []), basePath].filter(Boolean).join(":");
  for (const [k, v] of Object.entries(inputs.overrides ?? {})) out[k] = v;
  return out;
}
