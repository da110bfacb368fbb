import type { Tool, TSchema } from "@earendil-works/pi-ai";
import { z } from "zod";

/** What a tool call returns to the model: text, flagged when the call failed. */
export interface ToolResult {
  text: string;
  isError?: boolean;
}

/**
 * The contract the run loop executes (structurally the same as `AgentTool` in `agents/run-loop.ts`,
 * which this layer may not import). `execute` may throw; the loop turns a throw into an error result.
 * Tools made with `defineTool` only throw for bugs: bad arguments and expected failures (missing
 * file, path outside the workspace…) come back as `{ isError: true }` results.
 */
export interface AgentTool {
  definition: Tool;
  execute(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult>;
}

/** An `AgentTool` with the one-line summary shown in the system prompt's `## Tooling` section. */
export interface DefinedTool extends AgentTool {
  readonly summary: string;
}

/**
 * An expected failure a tool reports to the model (missing file, ambiguous edit, patch that does not
 * apply). `defineTool` turns it into an error result; any other throw is a bug and propagates.
 */
export class ToolError extends Error {
  override name = "ToolError";
}

export interface ToolSpec<S extends z.ZodType> {
  name: string;
  /** Sent to the model with the JSON schema. */
  description: string;
  /** One short line for the `## Tooling` prompt section. */
  summary: string;
  /** Validates the model's arguments; its input side becomes the JSON schema the model sees. */
  schema: S;
  run(args: z.output<S>, signal: AbortSignal): Promise<string | ToolResult>;
}

/**
 * Tools are built per turn, their argument schemas once per process: the JSON schema of each is
 * converted once and shared (it is never mutated), which keeps zod's conversion off every turn.
 */
const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

function parametersOf(schema: z.ZodType): Record<string, unknown> {
  let json = jsonSchemas.get(schema);
  if (!json) {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input" });
    json = rest;
    jsonSchemas.set(schema, json);
  }
  return json;
}

/**
 * Builds a tool from a zod schema: the JSON schema sent to the provider and the validation of the
 * model's arguments come from the same schema, so they cannot drift apart (STYLE §2.3).
 */
export function defineTool<S extends z.ZodType>(spec: ToolSpec<S>): DefinedTool {
  const jsonSchema = parametersOf(spec.schema);
  return {
    summary: spec.summary,
    definition: {
      name: spec.name,
      description: spec.description,
      // pi-ai types parameters as a TypeBox schema; at run time any JSON schema object is sent as is.
      parameters: jsonSchema as unknown as TSchema,
    },
    async execute(args, signal) {
      if (signal.aborted) return { text: `${spec.name} was not run: the turn was aborted.`, isError: true };
      const parsed = spec.schema.safeParse(args ?? {});
      if (!parsed.success) {
        return {
          text: `Invalid arguments for ${spec.name}:\n${z.prettifyError(parsed.error)}`,
          isError: true,
        };
      }
      try {
        const out = await spec.run(parsed.data, signal);
        return typeof out === "string" ? { text: out } : out;
      } catch (err) {
        const text = describeExpectedFailure(err);
        if (text === undefined) throw err;
        return { text, isError: true };
      }
    },
  };
}

/** File-system errno codes a tool reports to the model as a plain sentence. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EISDIR: "is a directory",
  ENOTDIR: "a parent of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "already exists",
  ENOSPC: "no space left on device",
  EROFS: "read-only file system",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "file name too long",
};

function describeExpectedFailure(err: unknown): string | undefined {
  if (err instanceof ToolError) return err.message;
  if (err instanceof Error && err.name === "AbortError") return "Aborted.";
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string" && Object.hasOwn(ERRNO_TEXT, code)) {
    const file = (err as NodeJS.ErrnoException).path;
    return `${code}: ${ERRNO_TEXT[code]}${file ? ` (${file})` : ""}`;
  }
  return undefined;
}
