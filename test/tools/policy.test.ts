import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type OpenClawConfigInput, OpenClawConfigSchema } from "../../src/config/schema.ts";
import { BUILTIN_TOOL_NAMES, resolveAllowedTools, type ToolPolicyInput } from "../../src/tools/policy.ts";

const ALL = [...BUILTIN_TOOL_NAMES.filter((n) => n !== "bash"), "my_plugin_tool"];

function allowed(raw: OpenClawConfigInput, ctx: Omit<ToolPolicyInput, "config"> = {}, names = ALL): string[] {
  return resolveAllowedTools(names, { config: OpenClawConfigSchema.parse(raw), ...ctx }).allowed;
}

describe("resolveAllowedTools", () => {
  test("no policy allows everything", () => {
    assert.deepEqual(allowed({}), ALL);
    assert.deepEqual(allowed({ tools: { profile: "full" } }), ALL);
  });

  test("profiles preselect tool sets (reference-agent §2.2)", () => {
    assert.deepEqual(allowed({ tools: { profile: "minimal" } }), ["session_status"]);
    assert.deepEqual(allowed({ tools: { profile: "coding" } }), [
      "read",
      "write",
      "edit",
      "apply_patch",
      "exec",
      "process",
      "image",
      "sessions_list",
      "sessions_history",
      "sessions_send",
      "sessions_spawn",
      "session_status",
      "memory_search",
      "memory_get",
    ]);
    assert.deepEqual(allowed({ tools: { profile: "messaging" } }), [
      "message",
      "sessions_list",
      "sessions_history",
      "sessions_send",
      "session_status",
    ]);
  });

  test("allow takes names and groups; deny wins; matching ignores case", () => {
    assert.deepEqual(allowed({ tools: { allow: ["group:fs", "WEB_FETCH"], deny: ["Write"] } }), [
      "read",
      "edit",
      "apply_patch",
      "web_fetch",
    ]);
    assert.deepEqual(allowed({ tools: { allow: ["read"], deny: ["read"] } }), []);
  });

  test("web tools are offered under an allowlist only when named or via group:web (TOOL-21)", () => {
    assert.deepEqual(allowed({ tools: { allow: ["group:fs"] } }), ["read", "write", "edit", "apply_patch"]);
    assert.deepEqual(allowed({ tools: { allow: ["group:web"] } }), ["web_search", "web_fetch"]);
  });

  test("* wildcards", () => {
    assert.deepEqual(allowed({ tools: { allow: ["sessions_*"] } }), [
      "sessions_list",
      "sessions_history",
      "sessions_send",
      "sessions_spawn",
    ]);
    assert.deepEqual(allowed({ tools: { deny: ["*"] } }), []);
    assert.deepEqual(
      allowed({ tools: { allow: ["*"], deny: ["*_get", "m*"] } }).includes("memory_get"),
      false,
    );
  });

  test("bash is exec for policy purposes", () => {
    assert.deepEqual(allowed({ tools: { deny: ["bash"] } }, {}, ["exec", "read"]), ["read"]);
    assert.deepEqual(allowed({ tools: { allow: ["group:runtime"] } }, {}, ["exec", "process", "read"]), [
      "exec",
      "process",
    ]);
  });

  test("each step only narrows: a later allow cannot add back what the profile left out", () => {
    assert.deepEqual(allowed({ tools: { profile: "messaging", allow: ["message", "read"] } }), ["message"]);
  });

  test("alsoAllow extends the profile", () => {
    assert.deepEqual(allowed({ tools: { profile: "minimal", alsoAllow: ["web_fetch"] } }), [
      "web_fetch",
      "session_status",
    ]);
  });

  test("byProvider narrows per provider, and provider/model beats provider", () => {
    const tools = {
      byProvider: {
        openai: { deny: ["exec"] },
        "OpenAI/gpt-mini": { profile: "minimal" as const },
      },
    };
    const forOpenai = allowed({ tools }, { provider: "openai", modelId: "gpt-5" });
    assert.equal(forOpenai.includes("exec"), false);
    assert.equal(forOpenai.includes("read"), true);
    assert.deepEqual(allowed({ tools }, { provider: "openai", modelId: "gpt-mini" }), ["session_status"]);
    assert.deepEqual(allowed({ tools }, { provider: "anthropic", modelId: "claude" }), ALL);
  });

  test("the agent's policy narrows the global one; its profile replaces the global profile", () => {
    const config: OpenClawConfigInput = {
      tools: { profile: "coding", deny: ["exec"] },
      agents: {
        list: [
          { id: "main" },
          { id: "reader", tools: { allow: ["read", "exec", "web_fetch"] } },
          { id: "chat", tools: { profile: "messaging" } },
          { id: "ro", tools: { deny: ["group:fs"], byProvider: { openai: { deny: ["process"] } } } },
        ],
      },
    };
    assert.deepEqual(allowed(config, { agentId: "reader" }), ["read"]);
    assert.deepEqual(allowed(config, { agentId: "chat" }), [
      "message",
      "sessions_list",
      "sessions_history",
      "sessions_send",
      "session_status",
    ]);
    const ro = allowed(config, { agentId: "ro", provider: "openai" });
    assert.equal(ro.includes("read"), false);
    assert.equal(ro.includes("process"), false);
    assert.equal(ro.includes("memory_get"), true);
    assert.deepEqual(allowed(config, { agentId: "main" }), allowed(config));
  });

  test("agents.defaults.tools applies to every agent, overridden key by key", () => {
    const config: OpenClawConfigInput = {
      agents: {
        defaults: { tools: { deny: ["exec"], allow: ["group:runtime", "read"] } },
        list: [{ id: "a", tools: { deny: [] } }],
      },
    };
    assert.deepEqual(allowed(config, { agentId: "b" }), ["read", "process"]);
    assert.deepEqual(allowed(config, { agentId: "a" }), ["read", "exec", "process"]);
  });

  test("an allowlist naming only unknown tools is ignored with a warning", () => {
    const config = OpenClawConfigSchema.parse({ tools: { allow: ["not_loaded_plugin"] } });
    const result = resolveAllowedTools(["read", "write"], { config });
    assert.deepEqual(result.allowed, ["read", "write"]);
    assert.match(result.warnings[0] ?? "", /tools\.allow names only unknown tools \(not_loaded_plugin\)/);
    assert.deepEqual(allowed({ tools: { allow: ["my_plugin_tool"] } }), ["my_plugin_tool"]);
  });

  test("keeps the caller's order and spelling", () => {
    assert.deepEqual(allowed({ tools: { allow: ["group:fs"] } }, {}, ["Write", "web_fetch", "READ"]), [
      "Write",
      "READ",
    ]);
  });
});
