import path from "node:path";
import type { AllowlistEntry } from "./approvals-file.ts";
import type { CommandAnalysis, ProgramUse } from "./command-analysis.ts";
import { matchesPathPattern } from "./path-glob.ts";

// Whether every program of an analysed command passes the allowlist (reference-agent §2.7). Pure.

export interface AllowlistCheck {
  satisfied: boolean;
  /** The entries that matched (for `lastUsedAt`), one per program they let through. */
  matches: { pattern: string; resolvedPath: string }[];
  /** Why not, for the model and the approval prompt. */
  missReason: string;
}

export interface AllowlistInputs {
  allowlist: readonly AllowlistEntry[];
  /** `tools.exec.safeBins`: stdin-only filters that pass without an entry. */
  safeBins: readonly string[];
  /** Real paths of `safeBinTrustedDirs`: a safe bin must live there. */
  trustedDirs: readonly string[];
  home: string;
}

/**
 * Flags that make a filter read or write files, or run programs: a safe bin given one is no longer
 * stdin-only, so it needs an allowlist entry like any program.
 */
const FILE_FLAGS =
  /^(-[a-zA-Z]*[fRrdoT]|--(file|files0-from|exclude-from|include-from|output|recursive|directories|devices|dereference-recursive|rawfile|slurpfile|argfile|from-file|compress-program|random-source|temporary-directory|seed)(=.*)?|-L.*)$/;

/** Positional arguments each safe bin may take without reading a file (its filter or pattern). */
const SAFE_BIN_POSITIONALS: Readonly<Record<string, number>> = {
  jq: 1,
  grep: 1,
  egrep: 1,
  fgrep: 1,
  tr: 2,
};

function isSafeBinUse(use: ProgramUse, inputs: AllowlistInputs): boolean {
  const name = path.basename(use.resolvedPath);
  const listed = inputs.safeBins.some((b) => b === name || b === path.basename(use.argv[0] ?? ""));
  if (!listed || !inputs.trustedDirs.includes(path.dirname(use.resolvedPath))) return false;
  let positionals = 0;
  for (const arg of use.argv.slice(1)) {
    if (arg.startsWith("-") && arg !== "-") {
      if (FILE_FLAGS.test(arg)) return false;
      continue;
    }
    if (/^\d+$/.test(arg)) continue; // a flag's count (`head -n 5`)
    if (arg.includes("/") || arg.startsWith("~") || arg.startsWith(".")) return false;
    positionals++;
  }
  return positionals <= (SAFE_BIN_POSITIONALS[name] ?? 0);
}

export function checkAllowlist(analysis: CommandAnalysis, inputs: AllowlistInputs): AllowlistCheck {
  if (!analysis.ok) return { satisfied: false, matches: [], missReason: analysis.reason };
  const matches: AllowlistCheck["matches"] = [];
  for (const use of analysis.programs) {
    const entry = inputs.allowlist.find((e) => matchesPathPattern(e.pattern, use.resolvedPath, inputs.home));
    if (entry) {
      matches.push({ pattern: entry.pattern, resolvedPath: use.resolvedPath });
      continue;
    }
    if (isSafeBinUse(use, inputs)) continue;
    return { satisfied: false, matches: [], missReason: `${use.resolvedPath} is not in the allowlist` };
  }
  return { satisfied: true, matches, missReason: "" };
}
