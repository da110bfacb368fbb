import { realpath } from "node:fs/promises";
import path from "node:path";
import { type LookupContext, resolveProgram } from "./resolve-program.ts";
import { parseShellWords, type ShellWord } from "./shell-words.ts";

// Which programs a command line really runs, for allowlist decisions (reference-agent §2.7). Every
// segment of a chain is analysed; wrappers that only start another program (`env`, `nice`,
// `timeout`, `sh -c`, `busybox <applet>`…) are looked through, so the program that matters is the
// one matched — never the wrapper. Anything not understood fails closed: the result is a refusal,
// which the caller treats as an allowlist miss.

/** One program the command would start, with the path allowlist patterns are matched against. */
export interface ProgramUse {
  /** The program word as written (after unwrapping), and its arguments. */
  argv: string[];
  /** The real path (symlinks followed), or `<busybox dir>/<applet>` for a multi-call applet. */
  resolvedPath: string;
}

export type CommandAnalysis = { ok: true; programs: ProgramUse[] } | { ok: false; reason: string };

export interface AnalysisContext extends LookupContext {
  /** Directories whose binaries may be looked through as wrappers (`safeBinTrustedDirs`). */
  trustedDirs: readonly string[];
  /** Basename of the shell that runs the command line (for `time`, a keyword in bash and zsh). */
  shell: string;
}

const MAX_DEPTH = 8;
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash"]);
const MULTI_CALL = new Set(["busybox", "toybox"]);
const SIMPLE_WRAPPERS = new Set(["env", "nice", "nohup", "timeout", "stdbuf", "time"]);
const TIME_KEYWORD_SHELLS = new Set(["bash", "zsh", "ksh", "mksh"]);

/** Shell syntax that is not a simple command: never guessed at. */
const RESERVED_WORDS = new Set(
  "if then else elif fi do done case esac while until for in function select { } ! [[ ]] coproc".split(" "),
);

/**
 * Builtins that run text as code, change how later words are looked up (PATH, cwd, functions,
 * aliases), or set variables from input. `command` and `exec` are unwrapped instead.
 */
const REFUSED_BUILTINS = new Set(
  (
    "eval source . builtin trap alias unalias enable hash fc export unset declare typeset local " +
    "readonly set shopt cd pushd popd read mapfile readarray getopts let ulimit umask emulate " +
    "autoload functions zmodload bindkey disable noglob nocorrect wait bind compgen complete compopt " +
    "sched zpty zle zcompile coproc"
  ).split(" "),
);

/**
 * Variables an assignment may not set in an allowlisted command: they change which program runs,
 * what it loads, or which config (and so which commands) it reads.
 */
const DANGEROUS_ASSIGNMENT =
  /^(PATH|HOME|IFS|ENV|BASH_ENV|CDPATH|GLOBIGNORE|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|ZDOTDIR|SHELL|EDITOR|VISUAL|PAGER|BROWSER|INPUTRC|TMPDIR|LD_\w*|DYLD_\w*|BASH_FUNC_.*|NODE_\w*|NPM_CONFIG_\w*|npm_config_\w*|PYTHON\w*|PERL\w*|RUBY\w*|GEM_\w*|BUNDLE_\w*|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|CLASSPATH|GIT_\w*|SSH_\w*|XDG_\w*|LESS\w*|\w*PAGER|\w*_OPTIONS|\w*_OPTS|GCONV_PATH|LOCPATH|NLSPATH|MANPATH|CURL_HOME|WGETRC|GNUPGHOME|DOCKER_\w*|KUBECONFIG|PIP_\w*|LUA_\w*|TCL\w*|PHPRC|PHP_\w*)$/i;

/** Whether a variable may be set by a leading or `env` assignment in an allowlisted command. */
export function isDangerousAssignment(name: string): boolean {
  return DANGEROUS_ASSIGNMENT.test(name);
}

interface Frame {
  /** Words come straight from the shell (builtins and keywords apply), not from an exec'ing wrapper. */
  viaShell: boolean;
  /** The shell that parses this level (`time` is a keyword in some). */
  shell: string;
  depth: number;
}

type Step = { ok: true; programs: ProgramUse[] } | { ok: false; reason: string };

/** Analyses a command line as the given shell would run it. Async: programs are resolved on disk. */
export async function analyzeCommand(command: string, ctx: AnalysisContext): Promise<CommandAnalysis> {
  const trusted = await realDirs(ctx.trustedDirs);
  return analyzeScript(
    command,
    { ...ctx, trustedReal: trusted },
    { viaShell: true, shell: ctx.shell, depth: 0 },
  );
}

interface Ctx extends AnalysisContext {
  trustedReal: ReadonlySet<string>;
}

/** The given directories and their real paths (`/bin` is `/usr/bin` on merged-usr systems). */
export async function realDirs(dirs: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const d of dirs) {
    out.add(path.resolve(d));
    const real = await realpath(d).catch(() => undefined); // a configured dir that does not exist
    if (real) out.add(real);
  }
  return out;
}

async function analyzeScript(script: string, ctx: Ctx, frame: Frame): Promise<Step> {
  const parsed = parseShellWords(script);
  if (!parsed.ok) return parsed;
  const programs: ProgramUse[] = [];
  for (const segment of parsed.segments) {
    const step = await analyzeWords(segment, ctx, frame);
    if (!step.ok) return step;
    programs.push(...step.programs);
  }
  return { ok: true, programs };
}

async function analyzeWords(input: ShellWord[], ctx: Ctx, frame: Frame): Promise<Step> {
  if (frame.depth > MAX_DEPTH) return { ok: false, reason: "too many nested wrappers" };
  let words = input;
  // Leading NAME=value words only exist at shell level; after an exec'ing wrapper they are args.
  if (frame.viaShell) {
    while (words[0]?.assignment && !words[0].quoted) {
      const { name } = words[0].assignment;
      if (isDangerousAssignment(name)) return { ok: false, reason: `setting ${name} is not allowed` };
      words = words.slice(1);
    }
  }
  const head = words[0];
  if (!head) return { ok: true, programs: [] }; // assignments only: nothing is started
  if (!head.literal) return { ok: false, reason: `"${head.value}" would be expanded by the shell` };
  const name = head.value;
  const rest = words.slice(1);
  const next = (w: ShellWord[], viaShell: boolean, shell = frame.shell): Promise<Step> =>
    analyzeWords(w, ctx, { viaShell, shell, depth: frame.depth + 1 });

  if (frame.viaShell) {
    // Keywords only count unquoted; builtins are found after quote removal (`'eval' x` is eval).
    if (RESERVED_WORDS.has(name) && !head.quoted)
      return { ok: false, reason: `shell keyword "${name}" is not allowed` };
    if (REFUSED_BUILTINS.has(name)) return { ok: false, reason: `shell builtin "${name}" is not allowed` };
    // bash's printf builtin assigns a variable with -v (PATH, say) for later segments.
    if (name === "printf" && rest.some((w) => w.value.startsWith("-v")))
      return { ok: false, reason: "printf -v is not allowed" };
  }
  if (frame.viaShell && !head.quoted) {
    if (name === "time" && TIME_KEYWORD_SHELLS.has(frame.shell)) {
      const args = skipFlags(rest, { "-p": 0 });
      return args ? next(args, true) : { ok: false, reason: "unsupported time option" };
    }
  }
  if (frame.viaShell && (name === "command" || name === "exec")) {
    const flags: Record<string, number> =
      name === "command" ? { "-p": 0 } : { "-c": 0, "-l": 0, "-a": 1, "-cl": 0, "-lc": 0 };
    if (name === "command" && rest.some((w) => w.value === "-v" || w.value === "-V"))
      return { ok: true, programs: [] }; // only prints how a name would resolve
    const args = skipFlags(rest, flags);
    if (!args) return { ok: false, reason: `unsupported ${name} option` };
    if (args.length === 0) return { ok: true, programs: [] };
    // `command x` still runs builtins; `exec x` replaces the shell with a program.
    return next(args, name === "command");
  }

  const resolved = await resolveProgram(name, ctx);
  if (!resolved) return { ok: false, reason: `${name}: command not found` };
  const kind = wrapperKind(name, resolved.realPath, ctx.trustedReal);
  if (kind && rest.length > 0) return unwrap(kind, rest, resolved.realPath, next);
  return { ok: true, programs: [{ argv: words.map((w) => w.value), resolvedPath: resolved.realPath }] };
}

type Next = (w: ShellWord[], viaShell: boolean, shell?: string) => Promise<Step>;

async function unwrap(kind: string, rest: ShellWord[], realPath: string, next: Next): Promise<Step> {
  if (MULTI_CALL.has(kind)) {
    const applet = rest[0]!;
    if (!applet.literal || applet.value.includes("/") || applet.value === "")
      return { ok: false, reason: `unsupported ${kind} applet` };
    if (applet.value.startsWith("-")) return { ok: false, reason: `unsupported ${kind} option` };
    const appletKind =
      SHELLS.has(applet.value) || SIMPLE_WRAPPERS.has(applet.value) ? applet.value : undefined;
    if (appletKind) return unwrap(appletKind, rest.slice(1), realPath, next);
    // The applet is the real program: matched as if it lived next to the multi-call binary, so
    // allowlisting busybox itself never lets every applet through.
    const resolvedPath = path.join(path.dirname(realPath), applet.value);
    return { ok: true, programs: [{ argv: rest.map((w) => w.value), resolvedPath }] };
  }
  if (SHELLS.has(kind)) return unwrapShell(kind, rest, realPath, next);
  const args = wrapperArgs(kind, rest);
  if (!args) return { ok: false, reason: `unsupported ${kind} usage` };
  if (args.length === 0)
    return { ok: true, programs: [{ argv: [kind, ...rest.map((w) => w.value)], resolvedPath: realPath }] };
  return next(args, false);
}

/** `sh -c 'script' [$0 args…]`: the script is analysed as that shell would run it. */
async function unwrapShell(kind: string, rest: ShellWord[], realPath: string, next: Next): Promise<Step> {
  let i = 0;
  let sawC = false;
  while (i < rest.length && rest[i]!.value.startsWith("-") && rest[i]!.value !== "-" && !sawC) {
    const flag = rest[i]!.value;
    if (!/^-[ceuxfv]+$/.test(flag) || !rest[i]!.literal)
      return { ok: false, reason: `unsupported ${kind} option ${flag}` };
    if (flag.includes("c")) sawC = true;
    i++;
  }
  if (!sawC) {
    // A shell reading a script file or stdin: that shell binary is the program to allowlist.
    if (i > 0 && i < rest.length) return { ok: false, reason: `unsupported ${kind} usage` };
    return { ok: true, programs: [{ argv: [kind, ...rest.map((w) => w.value)], resolvedPath: realPath }] };
  }
  const script = rest[i];
  if (!script?.literal) return { ok: false, reason: `${kind} -c needs a literal script` };
  const shellName = SHELLS.has(path.basename(realPath)) ? path.basename(realPath) : kind;
  const parsed = parseShellWords(script.value);
  if (!parsed.ok) return parsed;
  const programs: ProgramUse[] = [];
  for (const segment of parsed.segments) {
    const step = await next(segment, true, shellName);
    if (!step.ok) return step;
    programs.push(...step.programs);
  }
  return { ok: true, programs };
}

/**
 * The kind of wrapper a resolved program is, or `undefined` when it must be treated as a program
 * of its own. Only binaries in trusted directories are looked through: a `./env` or a `nice` in a
 * writable PATH entry may do anything, so it is matched itself.
 */
function wrapperKind(name: string, realPath: string, trusted: ReadonlySet<string>): string | undefined {
  if (!trusted.has(path.dirname(realPath))) return undefined;
  const base = path.basename(realPath);
  const invoked = path.basename(name);
  // A symlink such as /bin/sh -> busybox runs the applet named by argv[0].
  const effective = MULTI_CALL.has(base) && invoked !== base ? invoked : base;
  if (MULTI_CALL.has(effective) || SHELLS.has(effective) || SIMPLE_WRAPPERS.has(effective)) {
    // `sh` may be dash or bash underneath; any other wrapper must be the binary it claims to be.
    if (SHELLS.has(effective) || effective === base || MULTI_CALL.has(base)) return effective;
  }
  return undefined;
}

/** Skips known flags (`{flag: number of values it takes}`) and an optional `--`; `undefined` on any other flag. */
function skipFlags(words: ShellWord[], flags: Readonly<Record<string, number>>): ShellWord[] | undefined {
  let i = 0;
  while (i < words.length && words[i]!.value.startsWith("-") && words[i]!.value !== "-") {
    const w = words[i]!;
    if (w.value === "--") return words.slice(i + 1);
    if (!w.literal) return undefined;
    const takes = flags[w.value];
    if (takes === undefined) return undefined;
    i += 1 + takes;
  }
  return i <= words.length ? words.slice(i) : undefined;
}

const DURATION_RE = /^\d+(\.\d+)?[smhd]?$/;
const STDBUF_MODE_RE = /^(-[ioe]|--(input|output|error)=)/;

/** The words a simple wrapper will exec, or `undefined` for a form not understood. */
function wrapperArgs(kind: string, rest: ShellWord[]): ShellWord[] | undefined {
  switch (kind) {
    case "env": {
      let i = 0;
      for (; i < rest.length; i++) {
        const w = rest[i]!;
        if (!w.literal) return undefined;
        if (w.value === "--") {
          i++;
          break;
        }
        if (w.value === "-i" || w.value === "-" || w.value === "--ignore-environment" || w.value === "-0")
          continue;
        if (w.value === "-u") {
          i++;
          continue;
        }
        if (w.value.startsWith("--unset=")) continue;
        if (w.value.startsWith("-")) return undefined; // -S, -C, -P, --split-string…: fail closed
        break;
      }
      // NAME=value words (quoted or not: env sees the text) until the program.
      for (; i < rest.length; i++) {
        const m = /^([^=]+)=/.exec(rest[i]!.value);
        if (!m) break;
        if (isDangerousAssignment(m[1]!) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(m[1]!)) return undefined;
      }
      return rest.slice(i);
    }
    case "nice": {
      const first = rest[0]!.value;
      if (first === "-n")
        return rest.length > 2 && /^-?\d+$/.test(rest[1]!.value) ? rest.slice(2) : undefined;
      if (/^-n-?\d+$/.test(first) || /^--adjustment=-?\d+$/.test(first) || /^-\d+$/.test(first))
        return rest.slice(1);
      return skipFlags(rest, {});
    }
    case "nohup":
      return skipFlags(rest, {});
    case "time":
      return skipFlags(rest, { "-p": 0 });
    case "timeout": {
      let i = 0;
      const flags: Record<string, number> = {
        "-s": 1,
        "-k": 1,
        "--preserve-status": 0,
        "--foreground": 0,
        "-v": 0,
        "--verbose": 0,
      };
      while (i < rest.length && rest[i]!.value.startsWith("-")) {
        const v = rest[i]!.value;
        if (v === "--") {
          i++;
          break;
        }
        if (/^--(signal|kill-after)=/.test(v)) {
          i++;
          continue;
        }
        const takes = flags[v];
        if (takes === undefined || !rest[i]!.literal) return undefined;
        i += 1 + takes;
      }
      if (i >= rest.length || !DURATION_RE.test(rest[i]!.value)) return undefined;
      return rest.slice(i + 1);
    }
    case "stdbuf": {
      let i = 0;
      while (i < rest.length && rest[i]!.value.startsWith("-")) {
        const v = rest[i]!.value;
        if (v === "--") {
          i++;
          break;
        }
        if (!STDBUF_MODE_RE.test(v)) return undefined;
        i += /^-[ioe]$/.test(v) ? 2 : 1;
      }
      return rest.slice(i);
    }
    default:
      return undefined;
  }
}
