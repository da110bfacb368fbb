import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildSystemPrompt, type RuntimeInfo, runtimeLine } from "../../src/agents/system-prompt.ts";
import type { InjectedFile } from "../../src/agents/workspace.ts";

const RUNTIME: RuntimeInfo = {
  agentId: "main",
  host: "h",
  os: "linux",
  arch: "x64",
  node: "v24",
  model: "a/b",
  defaultModel: "a/b",
  shell: "bash",
  channel: "webchat",
  thinking: "off",
  timeZone: "UTC",
};

function file(name: string, content: string, missing = false): InjectedFile {
  return {
    name,
    path: `/ws/${name}`,
    missing,
    rawChars: content.length,
    injectedChars: content.length,
    truncated: false,
    content,
  };
}

describe("runtimeLine", () => {
  test("has OpenClaw's exact field format", () => {
    assert.equal(
      runtimeLine(RUNTIME),
      "Runtime: agent=main | host=h | os=linux (x64) | node=v24 | model=a/b | default_model=a/b | shell=bash | channel=webchat | capabilities=none | thinking=off",
    );
  });

  test("without a channel there is no capabilities field", () => {
    const { channel: _, ...noChannel } = RUNTIME;
    assert.equal(
      runtimeLine(noChannel),
      "Runtime: agent=main | host=h | os=linux (x64) | node=v24 | model=a/b | default_model=a/b | shell=bash | thinking=off",
    );
  });

  test("lists capabilities, adds repo after host, and leaves out an unknown shell", () => {
    const { shell: _, ...noShell } = RUNTIME;
    assert.equal(
      runtimeLine({
        ...noShell,
        repo: "/src/app",
        capabilities: ["inlineButtons", "reactions"],
        thinking: "low",
      }),
      "Runtime: agent=main | host=h | repo=/src/app | os=linux (x64) | node=v24 | model=a/b | default_model=a/b | channel=webchat | capabilities=inlineButtons,reactions | thinking=low",
    );
  });
});

describe("buildSystemPrompt", () => {
  const input = (files: InjectedFile[]) => ({
    agentId: "main",
    workspaceDir: "/ws",
    files,
    toolLines: [],
    runtime: RUNTIME,
  });

  test("starts with the identity line and ends with the runtime section", () => {
    const prompt = buildSystemPrompt(input([file("AGENTS.md", "rules")]));
    assert.ok(prompt.startsWith("You are a personal assistant running inside OpenClaw.\n"));
    assert.ok(prompt.includes(`## Runtime\n\n${runtimeLine(RUNTIME)}\n\nReasoning: off`));
  });

  test("puts each file under # Project Context as ## <path> then its content, in order", () => {
    const prompt = buildSystemPrompt(input([file("AGENTS.md", "the rules"), file("TOOLS.md", "the tools")]));
    const context = prompt.indexOf(
      "# Project Context\n\nThe following project context files have been loaded:",
    );
    assert.ok(context > 0);
    const agents = prompt.indexOf("## /ws/AGENTS.md\n\nthe rules");
    const tools = prompt.indexOf("## /ws/TOOLS.md\n\nthe tools");
    assert.ok(context < agents && agents < tools, "files follow the heading, in the given order");
    assert.ok(tools < prompt.indexOf("## Silent Replies"));
  });

  test("adds the SOUL line only when SOUL.md is present", () => {
    const soulLine = /embody its persona and tone/;
    assert.match(buildSystemPrompt(input([file("AGENTS.md", "a"), file("SOUL.md", "be kind")])), soulLine);
    assert.doesNotMatch(buildSystemPrompt(input([file("AGENTS.md", "a")])), soulLine);
    assert.doesNotMatch(
      buildSystemPrompt(input([file("SOUL.md", "[MISSING] Expected at: /ws/SOUL.md", true)])),
      soulLine,
    );
  });

  test("a missing file shows its marker under its path", () => {
    const prompt = buildSystemPrompt(input([file("USER.md", "[MISSING] Expected at: /ws/USER.md", true)]));
    assert.ok(prompt.includes("## /ws/USER.md\n\n[MISSING] Expected at: /ws/USER.md"));
  });

  test("with no files there is no Project Context section", () => {
    assert.doesNotMatch(buildSystemPrompt(input([])), /# Project Context/);
  });
});
