import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpenClawConfig } from "../../src/config/schema.ts";
import { type RouteFacts, resolveAgentRoute } from "../../src/routing/agent-route.ts";

type Binding = NonNullable<OpenClawConfig["bindings"]>[number];

function config(bindings: Binding[], agents = ["main", "work", "ops", "fam"]): OpenClawConfig {
  return { agents: { list: agents.map((id) => ({ id })) }, bindings } as unknown as OpenClawConfig;
}

const tgDm = (id: string, accountId = "default"): RouteFacts => ({
  channel: "telegram",
  accountId,
  peer: { kind: "direct", id },
});

const cases: { name: string; bindings: Binding[]; facts: RouteFacts; want: [string, string] }[] = [
  {
    name: "no bindings: the default agent",
    bindings: [],
    facts: tgDm("42"),
    want: ["main", "default"],
  },
  {
    name: "a channel binding without accountId covers the default account",
    bindings: [{ agentId: "work", match: { channel: "telegram" } }],
    facts: tgDm("42"),
    want: ["work", "binding.account"],
  },
  {
    name: "…but not a named account",
    bindings: [{ agentId: "work", match: { channel: "telegram" } }],
    facts: tgDm("42", "alerts"),
    want: ["main", "default"],
  },
  {
    name: 'accountId "*" covers every account, after the exact account',
    bindings: [
      { agentId: "ops", match: { channel: "telegram", accountId: "*" } },
      { agentId: "work", match: { channel: "telegram", accountId: "Alerts" } },
    ],
    facts: tgDm("42", "alerts"),
    want: ["work", "binding.account"],
  },
  {
    name: 'accountId "*" alone',
    bindings: [{ agentId: "ops", match: { channel: "telegram", accountId: "*" } }],
    facts: tgDm("42", "alerts"),
    want: ["ops", "binding.channel"],
  },
  {
    name: "another channel's bindings do not apply",
    bindings: [{ agentId: "work", match: { channel: "discord", accountId: "*" } }],
    facts: tgDm("42"),
    want: ["main", "default"],
  },
  {
    name: "a peer binding beats an earlier account binding",
    bindings: [
      { agentId: "work", match: { channel: "telegram" } },
      { agentId: "fam", match: { channel: "telegram", peer: { kind: "direct", id: "42" } } },
    ],
    facts: tgDm("42"),
    want: ["fam", "binding.peer"],
  },
  {
    name: "the docs' `dm` kind matches a direct chat; numeric ids match their text",
    bindings: [{ agentId: "fam", match: { channel: "telegram", peer: { kind: "dm", id: 42 } } }],
    facts: tgDm("42"),
    want: ["fam", "binding.peer"],
  },
  {
    name: "a peer binding for someone else falls through to the default",
    bindings: [{ agentId: "fam", match: { channel: "telegram", peer: { kind: "direct", id: "7" } } }],
    facts: tgDm("42"),
    want: ["main", "default"],
  },
  {
    name: "a direct peer binding does not match a group with the same id",
    bindings: [{ agentId: "fam", match: { channel: "telegram", peer: { kind: "direct", id: "-100" } } }],
    facts: { channel: "telegram", accountId: "default", peer: { kind: "group", id: "-100" } },
    want: ["main", "default"],
  },
  {
    name: "group and channel kinds are interchangeable",
    bindings: [{ agentId: "ops", match: { channel: "slack", peer: { kind: "channel", id: "C1" } } }],
    facts: { channel: "slack", accountId: "default", peer: { kind: "group", id: "C1" } },
    want: ["ops", "binding.peer"],
  },
  {
    name: "a topic inherits its group's binding through the parent tier",
    bindings: [{ agentId: "ops", match: { channel: "telegram", peer: { kind: "group", id: "-100" } } }],
    facts: {
      channel: "telegram",
      accountId: "default",
      peer: { kind: "group", id: "-100:topic:5" },
      parentPeer: { kind: "group", id: "-100" },
    },
    want: ["ops", "binding.peer.parent"],
  },
  {
    name: "guild beats team and account",
    bindings: [
      { agentId: "work", match: { channel: "discord" } },
      { agentId: "fam", match: { channel: "discord", teamId: "T1" } },
      { agentId: "ops", match: { channel: "discord", guildId: "G1" } },
    ],
    facts: { channel: "discord", accountId: "default", guildId: "G1", teamId: "T1" },
    want: ["ops", "binding.guild"],
  },
  {
    name: "a guild binding for another guild does not match",
    bindings: [{ agentId: "ops", match: { channel: "discord", guildId: "G2" } }],
    facts: { channel: "discord", accountId: "default", guildId: "G1" },
    want: ["main", "default"],
  },
  {
    name: "guild + roles needs one of the roles and beats a plain guild binding",
    bindings: [
      { agentId: "ops", match: { channel: "discord", guildId: "G1" } },
      { agentId: "fam", match: { channel: "discord", guildId: "G1", roles: ["R1"] } },
    ],
    facts: { channel: "discord", accountId: "default", guildId: "G1", memberRoleIds: ["R1"] },
    want: ["fam", "binding.guild+roles"],
  },
  {
    name: "team beats account",
    bindings: [
      { agentId: "work", match: { channel: "slack", accountId: "*" } },
      { agentId: "fam", match: { channel: "slack", teamId: "T1" } },
    ],
    facts: { channel: "slack", accountId: "default", teamId: "T1" },
    want: ["fam", "binding.team"],
  },
  {
    name: "first match in config order wins within a tier",
    bindings: [
      { agentId: "ops", match: { channel: "telegram" } },
      { agentId: "work", match: { channel: "telegram", accountId: "default" } },
    ],
    facts: tgDm("42"),
    want: ["ops", "binding.account"],
  },
  {
    name: "a binding to an agent the config lacks goes to the default agent",
    bindings: [{ agentId: "ghost", match: { channel: "telegram" } }],
    facts: tgDm("42"),
    want: ["main", "binding.account"],
  },
  {
    name: "channel names and account ids compare case-insensitively",
    bindings: [{ agentId: "work", match: { channel: "Telegram", accountId: "ALERTS" } }],
    facts: tgDm("42", "alerts"),
    want: ["work", "binding.account"],
  },
];

for (const c of cases) {
  test(`route: ${c.name}`, () => {
    const got = resolveAgentRoute(config(c.bindings), c.facts);
    assert.deepEqual([got.agentId, got.matchedBy], c.want);
  });
}

test("route: with no agents.list the default is main, and a binding's id is used as written", () => {
  const cfg = {
    bindings: [{ agentId: "Work", match: { channel: "telegram" } }],
  } as unknown as OpenClawConfig;
  assert.equal(resolveAgentRoute(cfg, tgDm("42")).agentId, "work");
  assert.equal(resolveAgentRoute({} as OpenClawConfig, tgDm("42")).agentId, "main");
});

test("route: the entry marked default is the fallback", () => {
  const cfg = {
    agents: { list: [{ id: "a" }, { id: "b", default: true }] },
  } as unknown as OpenClawConfig;
  assert.deepEqual(resolveAgentRoute(cfg, tgDm("1")), { agentId: "b", matchedBy: "default" });
});
