import type { z } from "zod";
import { type ConfigIssue, formatPath } from "./issues.ts";
import { type OpenClawConfig, OpenClawConfigSchema } from "./schema.ts";
import { findUnknownKeys } from "./unknown-keys.ts";

export interface ValidationResult {
  config: OpenClawConfig | undefined;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

/** Validates a resolved config tree (after includes and `${VAR}`): errors block, warnings do not. */
export function validateConfig(tree: unknown): ValidationResult {
  const warnings = findUnknownKeys(OpenClawConfigSchema, tree);
  // Zod leaves the offending value out of issues unless asked; without it every wrong type reads
  // "wrong type nothing". Only its type name reaches the message, so no secret leaks through here.
  const parsed = OpenClawConfigSchema.safeParse(tree ?? {}, { reportInput: true });
  if (parsed.success) return { config: parsed.data, errors: [], warnings };
  return { config: undefined, errors: parsed.error.issues.map(toConfigIssue), warnings };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case "invalid_type":
      return {
        path,
        message:
          issue.input === undefined
            ? `required (expected ${issue.expected})`
            : `wrong type ${describe(issue.input)} (expected ${issue.expected})`,
      };
    case "invalid_value":
      return {
        path,
        message: `invalid value (expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")})`,
      };
    case "too_small":
    case "too_big":
      return { path, message: `${issue.message.replace(/^Too (small|big): /, "")}` };
    case "invalid_union":
      return unionIssue(issue);
    default:
      return { path, message: issue.message };
  }
}

/**
 * A value no branch of a union accepts (`model: "a/b"` or `{primary}`, say). When one branch got past
 * the shape check, its deeper problem is the real one; otherwise list the shapes that would do.
 */
function unionIssue(issue: z.core.$ZodIssueInvalidUnion): ConfigIssue {
  const deeper = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  if (deeper) return toConfigIssue({ ...deeper[0]!, path: [...issue.path, ...deeper[0]!.path] });
  const expected = new Set<string>();
  for (const i of issue.errors.flat()) {
    if (i.path.length > 0) continue;
    if (i.code === "invalid_type") expected.add(i.expected);
    else if (i.code === "invalid_value") for (const v of i.values) expected.add(JSON.stringify(v));
  }
  const path = formatPath(issue.path);
  if (expected.size === 0) return { path, message: issue.message };
  const got = issue.input === undefined ? "nothing" : describe(issue.input);
  return { path, message: `wrong type ${got} (expected ${[...expected].join(" or ")})` };
}
