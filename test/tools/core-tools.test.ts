import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { AssistantMessage, AssistantMessageEvent, ToolCall } from "@earendil-works/pi-ai";
import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/utils/event-stream";
import { type AgentTool, type ModelStreamFn, runModelLoop } from "../../src/agents/run-loop.ts";
import { createCoreTools, toolSummaryLines } from "../../src/tools/core-tools.ts";
import { tempDirs } from "../harness/temp-dirs.ts";

const newDir = tempDirs("tools-core");
const FIXTURE = fileURLToPath(
  new URL(
    "../../../shared/fixtures/openclaw-2026.2.26-state/agents/main/sessions/4081804e-9494-41be-8ad1-2e460af615db.jsonl",
    import.meta.url,
  ),
);

interface TranscriptLine {
  type: string;
  message?: { role: string; content: Array<{ type: string; text?: string } & Partial<ToolCall>> };
}

function toolCallTurn(calls: ToolCall[]): AssistantMessageEvent[] {
  const message: AssistantMessage = {
    role: "assistant",
    content: calls,
    api: "openai-completions",
    provider: "fixture",
    model: "m1",
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: calls.length ? "toolUse" : "stop",
    timestamp: 1,
  };
  return [{ type: "done", reason: calls.length ? "toolUse" : "stop", message }];
}

describe("createCoreTools", () => {
  test("gives the run loop read, write, edit and apply_patch with JSON-schema parameters", async () => {
    const tools: AgentTool[] = createCoreTools({ workspaceDir: await newDir(), workspaceOnly: true });
    assert.deepEqual(
      tools.map((t) => t.definition.name),
      ["read", "write", "edit", "apply_patch"],
    );
    const read = tools[0]!.definition.parameters as unknown as Record<string, unknown>;
    assert.equal(read.type, "object");
    assert.equal(read.$schema, undefined);
    assert.deepEqual(Object.keys(read.properties as object), ["path", "file_path", "offset", "limit"]);
    const edit = tools[2]!.definition.parameters as unknown as { properties: object };
    assert.deepEqual(Object.keys(edit.properties), [
      "path",
      "file_path",
      "oldText",
      "old_string",
      "newText",
      "new_string",
    ]);
  });

  test("summary lines for the ## Tooling section", async () => {
    const tools = createCoreTools({ workspaceDir: await newDir(), workspaceOnly: true });
    assert.deepEqual(toolSummaryLines(tools), [
      "read: Read file contents",
      "write: Create or overwrite files",
      "edit: Make precise edits to files",
      "apply_patch: Apply multi-file patches",
    ]);
    const bare: AgentTool = {
      definition: { name: "x", description: "Does x. More.", parameters: {} as never },
      execute: async () => ({ text: "" }),
    };
    assert.deepEqual(toolSummaryLines([bare]), ["x: Does x."]);
  });

  test("replays the fixture's write-then-read turn with OpenClaw's exact tool results", async () => {
    const transcript = (await readFile(FIXTURE, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TranscriptLine);
    const messages = transcript.flatMap((l) => (l.type === "message" && l.message ? [l.message] : []));
    const calls = messages
      .filter((m) => m.role === "assistant")
      .map((m) => m.content.filter((b) => b.type === "toolCall") as ToolCall[])
      .filter((c) => c.length > 0);
    const expected = messages.filter((m) => m.role === "toolResult").map((m) => m.content[0]?.text);
    assert.equal(calls.length, 2);

    const replies = [...calls.map(toolCallTurn), toolCallTurn([])];
    let n = 0;
    const streamFn: ModelStreamFn = async () => {
      const stream = createAssistantMessageEventStream();
      const reply = replies[n++]!;
      setImmediate(() => {
        for (const ev of reply) stream.push(ev);
      });
      return stream;
    };
    const dir = await newDir();
    const tools = createCoreTools({ workspaceDir: dir, workspaceOnly: true });
    const results: string[] = [];
    for await (const ev of runModelLoop("system", [], tools, streamFn, new AbortController().signal)) {
      if (ev.type === "message" && ev.message.role === "toolResult") {
        assert.equal(ev.message.isError, false);
        const [block] = ev.message.content;
        results.push(block?.type === "text" ? block.text : "");
      }
    }
    assert.deepEqual(results, expected);
    assert.equal(results[0], "Successfully wrote 82 bytes to herons.md");
    assert.equal(await readFile(path.join(dir, "herons.md"), "utf8"), results[1]);
  });
});
