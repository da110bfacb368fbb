import path from "node:path";

// Allowlist patterns are case-insensitive globs over resolved binary paths (reference-agent §2.7):
// `*` and `?` stay within one path segment, `**` crosses segments, a leading `~` is the home dir.
// A pattern without a slash (a bare basename such as `rg`) is ignored: it would let any file
// called `rg` anywhere through.

/** Whether `pattern` can ever match (it names a path, not just a basename). */
export function isPathPattern(pattern: string): boolean {
  return pattern.trim().includes("/");
}

export function expandTilde(pattern: string, home: string): string {
  if (pattern === "~") return home;
  if (pattern.startsWith("~/")) return path.join(home, pattern.slice(2));
  return pattern;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // `/**/` also matches a single `/` (zero directories).
        if (glob[i + 2] === "/") {
          re += "(?:.*/)?";
          i += 2;
        } else {
          re += ".*";
          i += 1;
        }
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else re += c.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "i");
}

/** Whether an allowlist pattern matches an absolute resolved path. Pure. */
export function matchesPathPattern(pattern: string, resolvedPath: string, home: string): boolean {
  const trimmed = pattern.trim();
  if (!isPathPattern(trimmed)) return false;
  const expanded = expandTilde(trimmed, home);
  if (!path.isAbsolute(expanded)) return false;
  return globToRegExp(path.normalize(expanded)).test(resolvedPath);
}
