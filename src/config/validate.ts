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
  const parsed = OpenClawConfigSchema.safeParse(tree ?? {});
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
    case "invalid_type": {
      const got = "input" in issue ? describe(issue.input) : "nothing";
      return {
        path,
        message:
          got === "undefined"
            ? `required (expected ${issue.expected})`
            : `wrong type ${got} (expected ${issue.expected})`,
      };
    }
    case "invalid_value":
      return {
        path,
        message: `invalid value (expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")})`,
      };
    case "too_small":
    case "too_big":
      return { path, message: `${issue.message.replace(/^Too (small|big): /, "")}` };
    default:
      return { path, message: issue.message };
  }
}
