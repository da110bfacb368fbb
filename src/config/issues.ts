/** One problem found in the config, as shown to the user: `path: what is wrong (expected …)`. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** The config cannot be used; `issues` lists every problem found. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly issues: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[] = [{ path: "", message }]) {
    super(message);
    this.issues = issues;
  }
}

/** `["agents","list",0,"id"]` → `agents.list[0].id` (the notation `config get` accepts). */
export function formatPath(parts: readonly PropertyKey[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(p))) out += out ? `.${String(p)}` : String(p);
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out || "(root)";
}

export function formatIssues(issues: ConfigIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
}
