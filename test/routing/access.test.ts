import assert from "node:assert/strict";
import { test } from "node:test";
import { isSenderAllowed, parseAllowEntry } from "../../src/routing/access/allow-match.ts";
import { decideDm } from "../../src/routing/access/dm-policy.ts";
import { decideGroup } from "../../src/routing/access/group-policy.ts";

const TG = ["telegram:", "tg:"];
const ann = { id: "42", username: "Ann_B" };

test("allowFrom entries: ids, channel prefixes (any case), @usernames and *", () => {
  assert.deepEqual(parseAllowEntry("TG:42", TG), { kind: "id", id: "42" });
  assert.deepEqual(parseAllowEntry(42, TG), { kind: "id", id: "42" });
  assert.deepEqual(parseAllowEntry("telegram:@Ann_B", TG), { kind: "username", username: "ann_b" });
  assert.deepEqual(parseAllowEntry(" * ", TG), { kind: "any" });
  assert.equal(parseAllowEntry("  ", TG), undefined);
  assert.equal(isSenderAllowed(["@ann_b"], ann, TG), true);
  assert.equal(isSenderAllowed(["telegram:42"], ann, TG), true);
  assert.equal(isSenderAllowed(["421", "@ann"], ann, TG), false);
});

test("dmPolicy decisions (reference-agent §4.1)", () => {
  const d = (policy: "pairing" | "allowlist" | "open" | "disabled", allowFrom: (string | number)[]) =>
    decideDm({ policy, allowFrom, sender: ann, prefixes: TG }).type;
  assert.equal(d("pairing", []), "pair");
  assert.equal(d("pairing", ["42"]), "allow");
  assert.equal(d("allowlist", []), "drop");
  assert.equal(d("allowlist", [42]), "allow");
  assert.equal(d("open", ["*"]), "allow");
  assert.equal(d("open", []), "drop");
  assert.equal(d("disabled", ["42"]), "drop");
});

test("group decisions: policy, then the group allowlist, then the sender allowlist", () => {
  const base = {
    groups: undefined,
    groupAllowFrom: undefined,
    allowFrom: undefined,
    chatId: "-100",
    sender: ann,
    prefixes: TG,
  };
  assert.deepEqual(decideGroup({ ...base, policy: "allowlist" }), {
    type: "drop",
    reason: "sender not in groupAllowFrom (groupPolicy allowlist)",
  });
  assert.deepEqual(decideGroup({ ...base, policy: "allowlist", groupAllowFrom: ["42"] }), {
    type: "allow",
    requireMention: true,
  });
  assert.deepEqual(decideGroup({ ...base, policy: "allowlist", allowFrom: ["@ann_b"] }), {
    type: "allow",
    requireMention: true,
  });
  assert.equal(decideGroup({ ...base, policy: "open" }).type, "allow");
  assert.equal(decideGroup({ ...base, policy: "disabled", groupAllowFrom: ["*"] }).type, "drop");
  assert.equal(
    decideGroup({ ...base, policy: "open", groups: { "-200": {} } }).type,
    "drop",
    "not a listed group",
  );
  assert.deepEqual(decideGroup({ ...base, policy: "open", groups: { "*": { requireMention: false } } }), {
    type: "allow",
    requireMention: false,
  });
  assert.deepEqual(
    decideGroup({
      ...base,
      policy: "open",
      groups: { "*": { requireMention: false }, "-100": { requireMention: true } },
    }),
    { type: "allow", requireMention: true },
    "the group's own entry wins over *",
  );
  assert.equal(decideGroup({ ...base, policy: "open", groups: { "-100": { enabled: false } } }).type, "drop");
  assert.equal(
    decideGroup({
      ...base,
      policy: "allowlist",
      groupAllowFrom: ["42"],
      groups: { "-100": { allowFrom: ["7"] } },
    }).type,
    "drop",
    "per-group allowFrom overrides groupAllowFrom",
  );
});
