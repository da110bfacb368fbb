import assert from "node:assert/strict";
import { test } from "node:test";
import { authorizeCommand, type CommandAuthInput } from "../../src/routing/commands/authorize.ts";

const base: CommandAuthInput = {
  commands: undefined,
  channel: "telegram",
  sender: { id: "111", username: "alice" },
  prefixes: ["telegram:", "tg:"],
  admitted: true,
  channelAllowFrom: [],
};

// One row per rule of reference-agent §3.9 / §4.6.
const table: { name: string; input: Partial<CommandAuthInput>; authorized: boolean; owner: boolean }[] = [
  { name: "admitted, no lists: authorised, not owner", input: {}, authorized: true, owner: false },
  { name: "not admitted: not authorised", input: { admitted: false }, authorized: false, owner: false },
  {
    name: "commands.allowFrom is the only source: listed though not admitted",
    input: { admitted: false, commands: { allowFrom: { telegram: ["111"] } } },
    authorized: true,
    owner: false,
  },
  {
    name: "commands.allowFrom is the only source: admitted but not listed",
    input: { commands: { allowFrom: { telegram: ["222"] } } },
    authorized: false,
    owner: false,
  },
  {
    name: "commands.allowFrom falls back to `*` for other channels",
    input: { commands: { allowFrom: { "*": ["tg:111"], discord: ["user:9"] } } },
    authorized: true,
    owner: false,
  },
  {
    name: "commands.allowFrom by username",
    input: { commands: { allowFrom: { telegram: ["@Alice"] } } },
    authorized: true,
    owner: false,
  },
  {
    name: "owner by commands.ownerAllowFrom",
    input: { commands: { ownerAllowFrom: ["telegram:111"] } },
    authorized: true,
    owner: true,
  },
  {
    name: "ownerAllowFrom names another channel's id: not owner",
    input: { commands: { ownerAllowFrom: ["whatsapp:111"] } },
    authorized: true,
    owner: false,
  },
  {
    name: "ownerAllowFrom `*`: everyone",
    input: { commands: { ownerAllowFrom: ["*"] } },
    authorized: true,
    owner: true,
  },
  {
    name: "owner falls back to the channel's named allowFrom entries",
    input: { channelAllowFrom: ["*", "111"] },
    authorized: true,
    owner: true,
  },
  {
    name: "a wildcard allowFrom names no owner",
    input: { channelAllowFrom: ["*"] },
    authorized: true,
    owner: false,
  },
  { name: "else the bot itself (self-chat)", input: { selfId: "111" }, authorized: true, owner: true },
  {
    name: "an unauthorised sender is never the owner",
    input: { admitted: false, commands: { ownerAllowFrom: ["111"] } },
    authorized: false,
    owner: false,
  },
];

for (const row of table) {
  test(`command authorization: ${row.name}`, () => {
    assert.deepEqual(authorizeCommand({ ...base, ...row.input }), {
      authorized: row.authorized,
      owner: row.owner,
    });
  });
}
